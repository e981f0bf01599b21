#pragma once
// The scheme and host a browser used to reach voxgate, as the proxy in front reports them.

#include <optional>
#include <string>

#include "net/http.hpp"
#include "net/settings.hpp"

namespace voxgate {

struct PublicHost {
  std::string host;  // "gw.example.com", "127.0.0.1:8080": only host-name characters
  bool secure = false;
};

// X-Forwarded-Host (first proxy) or Host, X-Forwarded-Proto or whether voxgate serves TLS;
// nullopt when the host is missing or holds anything but host-name characters.
std::optional<PublicHost> public_host(const HttpRequest& req, const Settings& settings);

}  // namespace voxgate
