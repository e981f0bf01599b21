#include <sys/resource.h>

#include <cstdio>
#include <thread>

#include "app/routes.hpp"
#include "bridge/voice_provider_choice.hpp"
#include "cli/commands.hpp"
#include "live/event_log.hpp"
#include "live/live_hub.hpp"
#include "net/server.hpp"
#include "net/settings.hpp"
#include "net/tls.hpp"
#include "ops/log.hpp"
#include "store/sqlite_stores.hpp"

namespace voxgate::cli {
namespace {

LogRetention retention_of(const Config& config) {
  return {config.history, config.vapi.webhook_dedupe_window};
}

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

  std::string error;
  auto stores = open_sqlite_stores(config.store, error);
  if (!stores) {
    log::error("voxgate did not start",
               {{"error", error}, {"setting", "[store].path or VOXGATE_DB"}});
    return 2;
  }

  SettingsStore settings(loaded.settings);
  std::size_t threads = config.server.threads > 0
                            ? static_cast<std::size_t>(config.server.threads)
                            : std::max(1u, std::thread::hardware_concurrency());
  // Declared before the workers so they outlive them: sessions destroyed with the workers'
  // event loops still unregister from the hub.
  std::unique_ptr<LiveHub> hub;
  std::unique_ptr<EventBroker> broker;
  std::unique_ptr<EventLog> event_log;
  WorkerPool workers(threads);
  std::vector<boost::asio::io_context*> contexts;
  for (std::size_t i = 0; i < workers.size(); ++i) contexts.push_back(&workers.at(i).context());
  hub = std::make_unique<LiveHub>(contexts);
  broker = std::make_unique<InProcessBroker>(*hub);
  event_log = std::make_unique<EventLog>(std::move(stores->events), std::move(stores->calls),
                                         *broker, retention_of(config));
  event_log->start();
  std::vector<boost::asio::any_io_executor> executors;
  for (auto* context : contexts) executors.push_back(context->get_executor());
  TestCallLimits limits;
  limits.unattached = config.vapi.unattached_timeout;
  limits.call = config.vapi.max_call_duration;
  TestCalls test_calls(make_voice_provider(config.vapi), *event_log, executors, limits);
  test_calls.start_sweeps();
  log::info("browser test calls", {{"provider", test_calls.provider().name()}});
  Services services{LiveServices{*hub, *event_log}, *broker, test_calls};
  Router router = make_router(services);
  Server server(settings, router, workers, env, std::move(tls));
  server.on_reload([&](const Settings& s) { event_log->set_retention(retention_of(s.config)); });
  std::string listen = resolve_listen(listen_flag, config, env);
  if (auto w = dev_listen_warning(config, listen); !w.empty()) log::warn(w);
  if (!server.bind(listen, error)) {
    log::error("voxgate did not start", {{"error", error}});
    return 2;
  }
  int status = server.run();
  event_log->stop();
  return status;
}

}  // namespace voxgate::cli
