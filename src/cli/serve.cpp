#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <thread>

#include "app/routes.hpp"
#include "bridge/voice_provider_choice.hpp"
#include "cli/commands.hpp"
#include "live/event_log.hpp"
#include "live/live_hub.hpp"
#include "live/nats_broker.hpp"
#include "net/server.hpp"
#include "net/settings.hpp"
#include "net/tls.hpp"
#include "ops/log.hpp"
#include "store/stores.hpp"

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

// Names this process in the other nodes' logs and keeps its own messages apart.
std::string node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + suffix;
}

std::unique_ptr<EventBroker> make_broker(const Config& config, const std::string& node,
                                         std::string& error) {
  if (config.broker.url.empty()) return std::make_unique<InProcessBroker>();
  NatsBrokerSettings settings;
  settings.url = config.broker.url;
  settings.subject = config.broker.subject;
  settings.node_id = node;
  auto broker = NatsBroker::connect(settings, error);
  if (broker)
    log::info("sharing events with other nodes", {{"broker", "nats"}, {"node", settings.node_id}});
  return broker;
}

// The broker hands other nodes' events to the log until it is gone, and the log shares this
// node's events through the broker until it has stopped: stop the log, then the broker.
struct StopInOrder {
  std::unique_ptr<EventLog>& log;
  std::unique_ptr<EventBroker>& broker;
  ~StopInOrder() {
    if (log) log->stop();
    broker.reset();
  }
};

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
  auto stores = open_stores(config, error);
  if (!stores) {
    log::error("voxgate did not start",
               {{"error", error},
                {"setting", config.database.url.empty() ? "[store].path or VOXGATE_DB"
                                                        : "[database].url or DATABASE_URL"}});
    return 2;
  }
  log::info("event history and calls", {{"store", stores->description}});

  SettingsStore settings(loaded.settings);
  std::size_t threads = config.server.threads > 0
                            ? static_cast<std::size_t>(config.server.threads)
                            : std::max(1u, std::thread::hardware_concurrency());
  // Declared before the workers so they outlive them: sessions destroyed with the workers'
  // event loops still unregister from the hub.
  std::unique_ptr<LiveHub> hub;
  KeyedCounter user_connections;
  std::unique_ptr<EventBroker> broker;
  std::unique_ptr<EventLog> event_log;
  WorkerPool workers(threads);
  std::vector<boost::asio::io_context*> contexts;
  for (std::size_t i = 0; i < workers.size(); ++i) contexts.push_back(&workers.at(i).context());
  hub = std::make_unique<LiveHub>(contexts);
  const std::string node = node_id();
  broker = make_broker(config, node, error);
  if (!broker) {
    log::error("voxgate did not start",
               {{"error", error}, {"setting", "[broker].url or NATS_URL"}});
    return 2;
  }
  StopInOrder stop_in_order{event_log, broker};
  event_log = std::make_unique<EventLog>(std::move(stores->events), std::move(stores->calls), *hub,
                                         *broker, retention_of(config));
  event_log->start();
  std::vector<boost::asio::any_io_executor> executors;
  for (auto* context : contexts) executors.push_back(context->get_executor());
  TestCallLimits limits;
  limits.unattached = config.vapi.unattached_timeout;
  limits.call = config.vapi.max_call_duration;
  TestCalls test_calls(make_voice_provider(config.vapi), *event_log, executors, limits, node);
  test_calls.start_sweeps();
  log::info("browser test calls", {{"provider", test_calls.provider().name()}});
  Services services{LiveServices{*hub, *event_log, user_connections}, *broker, test_calls};
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
  // Before test_calls and the router go: the log's queued work may still call into them.
  event_log->stop();
  return status;
}

}  // namespace voxgate::cli
