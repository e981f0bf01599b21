#include "pg_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace voxgate::testing {
namespace {

std::string run_services(const std::string& verb, const std::string& dir) {
  const std::string command =
      "bash '" VOXGATE_SOURCE_DIR "/tests/services/services.sh' " + verb + " '" + dir + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 512> buffer;
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe.get()))
    output.append(buffer.data(), n);
  if (pclose(pipe.release()) != 0)
    throw std::runtime_error("services.sh " + verb +
                             " failed (install PostgreSQL with `bash "
                             "scripts/setup.sh --test`):\n" +
                             output);
  return output;
}

// Owns the server of this process, if it started one; stops it at exit.
struct OwnServer {
  std::string dir;
  std::string url;
  ~OwnServer() {
    if (dir.empty()) return;
    try {
      run_services("stop-pg", dir);
    } catch (...) {
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

OwnServer& own() {
  static OwnServer server;
  return server;
}

struct Conn {
  PGconn* conn;
  explicit Conn(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK)
      throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(conn));
  }
  ~Conn() { PQfinish(conn); }
};

}  // namespace

const std::string& pg_server_url() {
  static const std::string url = [] {
    if (const char* env = std::getenv("VOXGATE_TEST_PG_URL"); env && *env) return std::string(env);
    auto& server = own();
    server.dir =
        (std::filesystem::temp_directory_path() / ("voxgate_pg_" + std::to_string(::getpid())))
            .string();
    std::filesystem::create_directories(server.dir);
    // The postgres user runs the cluster when this process is root; it must reach the folder.
    std::filesystem::permissions(server.dir, std::filesystem::perms::all);
    const std::string output = run_services("start-pg", server.dir);
    const std::string key = "VOXGATE_TEST_PG_URL=";
    const auto at = output.find(key);
    if (at == std::string::npos) throw std::runtime_error("services.sh printed no URL:\n" + output);
    server.url = output.substr(at + key.size(), output.find('\n', at) - at - key.size());
    return server.url;
  }();
  return url;
}

bool pg_server_stop() {
  pg_server_url();
  if (own().dir.empty()) return false;
  run_services("stop-pg", own().dir);
  return true;
}

bool pg_server_start() {
  if (own().dir.empty()) return false;
  run_services("start-pg", own().dir);
  return true;
}

std::string pg_fresh_schema_url(const std::string& name_hint) {
  static std::atomic<int> counter{0};
  std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_";
  for (char c : name_hint)
    if (schema.size() < 60)
      schema += std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
  const std::string& base = pg_server_url();
  pg_exec(base, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + schema +
                    " CASCADE; CREATE SCHEMA " + schema);
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

long long pg_count(const std::string& url, const std::string& sql) {
  Conn c(url);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.conn, sql.c_str()), PQclear);
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(c.conn);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) == 0) return -1;
  return std::atoll(PQgetvalue(r.get(), 0, 0));
}

void pg_exec(const std::string& url, const std::string& sql) {
  Conn c(url);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.conn, sql.c_str()), PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error(sql + ": " + PQerrorMessage(c.conn));
}

}  // namespace voxgate::testing
