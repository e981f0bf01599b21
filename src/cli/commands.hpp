#pragma once
// Entry points of the command line; main.cpp only parses arguments and calls these.

#include <string>

#include "config/config.hpp"

namespace voxgate::cli {

int serve(const std::string& config_path, const std::string& listen_flag);
int check_config(const std::string& config_path);
int check_origin(const std::string& config_path, const std::string& origin);
// Prints an HS256 development token for `user` in `org`, signed with [auth].jwt_secret.
int token(const std::string& config_path, const std::string& user, const std::string& org,
          int ttl_seconds);

struct DoctorOptions {
  std::string url;        // ws://host:port/path or wss://...
  std::string origin;     // sent as the Origin header; empty sends none
  std::string token;      // with a /ws/live-calls url: also tries a subscribe
  std::string ca_file;    // extra CA for wss (self-signed gateways)
  bool insecure = false;  // skip certificate verification (says so loudly)
  Millis timeout{5'000};  // per step
};
int doctor(const DoctorOptions& options);

}  // namespace voxgate::cli
