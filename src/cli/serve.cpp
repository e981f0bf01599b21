#include <sys/resource.h>

#include <cstdio>

#include "app/routes.hpp"
#include "cli/commands.hpp"
#include "net/server.hpp"
#include "net/settings.hpp"
#include "net/tls.hpp"
#include "ops/log.hpp"

namespace voxgate::cli {
namespace {

// Each connection is a file descriptor: take what the hard limit allows and say when the
// connection limit cannot be reached.
void raise_file_limit(std::size_t max_connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  constexpr std::size_t kReserve = 64;  // logs, the database, the listener
  if (lim.rlim_cur != RLIM_INFINITY && max_connections + kReserve > lim.rlim_cur)
    log::warn("[limits].max_connections is above what the open-file limit allows",
              {{"max_connections", max_connections}, {"open_file_limit", lim.rlim_cur}});
}

}  // namespace

int serve(const std::string& config_path, const std::string& listen_flag) {
  Environment env = process_environment();
  SettingsLoad loaded = load_settings(config_path, env);
  for (const auto& e : loaded.errors) log::error("config error", {{"error", e}});
  if (!loaded.settings) {
    log::error("voxgate did not start: fix the config errors above",
               {{"path", config_path}, {"check", "voxgate check-config --config <file>"}});
    return 2;
  }
  const Config& config = loaded.settings->config;
  log::Level level;
  if (log::parse_level(config.log.level, level)) log::set_level(level);
  for (const auto& w : loaded.warnings) log::warn(w);
  raise_file_limit(config.limits.max_connections);

  std::unique_ptr<boost::asio::ssl::context> tls;
  if (!config.server.tls_cert.empty()) {
    std::string error;
    tls = make_server_tls(config.server.tls_cert, config.server.tls_key, error);
    if (!tls) {
      log::error("voxgate did not start", {{"error", error}});
      return 2;
    }
  }

  SettingsStore settings(loaded.settings);
  Router router = make_router();
  Server server(settings, router, env, std::move(tls));
  std::string listen = resolve_listen(listen_flag, config, env);
  std::string error;
  if (!server.bind(listen, error)) {
    log::error("voxgate did not start", {{"error", error}});
    return 2;
  }
  return server.run();
}

}  // namespace voxgate::cli
