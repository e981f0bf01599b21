#include "fuzz_gateway.hpp"

#include <cstdio>
#include <future>

#include "bridge/voice_provider_choice.hpp"
#include "fuzz_support.hpp"
#include "ops/log.hpp"
#include "store/stores.hpp"

namespace voxgate::fuzz {
namespace {

// Enough rounds for the longest chain: worker -> log -> worker -> log -> worker.
constexpr int kMaxSettleRounds = 16;

// serve's defaults, plus every credential the seeds use and limits no fuzz run reaches, so a
// response depends on the input and not on how many inputs came before.
Config gateway_config(const ScratchDir& scratch) {
  Config c;
  c.server.threads = 1;
  c.auth.jwt_secret = read_fixture("tests/unit/jwt_fixtures/hs256.secret");
  c.origins.allow = {{"https://app.voxanne.ai", "[origins].allow"},
                     {"https://*.voxanne.ai", "FRONTEND_URL"},
                     {"http://localhost:*", "CORS_ORIGIN"}};
  c.publish.api_keys = {std::string(kApiKey)};
  c.publish.event_bytes = 4096;
  c.publish.max_batch = 16;
  c.limits.header_bytes = 8 * 1024;
  c.limits.body_bytes = 64 * 1024;
  c.limits.publish_rate_per_key = 1'000'000'000;
  c.limits.subscribes_per_connection = 1'000'000'000;
  c.limits.connections_per_user = 1'000'000'000;
  c.limits.test_calls_per_org = 1'000'000'000;
  c.limits.trusted_proxies = {"192.0.2.0/24", "2001:db8::/32"};
  c.vapi.webhook_secret = "whsec_voxgate_fuzz";
  c.vapi.webhook_bearer_token = kWebhookBearer;
  c.vapi.webhook_legacy_secret = "vx-legacy-fuzz-5678";
  c.vapi.assistant_orgs = {"asst-1=org-1"};
  c.vapi.provider = "echo";
  c.dev.enabled = true;
  c.dev.echo_route = true;
  c.store.path = (scratch.path() / "voxgate.db").string();
  c.history.max_events_per_org = 200;
  return c;
}

template <class T>
T or_abort(T value, const std::string& error) {
  if (!value) {
    std::fprintf(stderr, "fuzz: gateway: %s\n", error.c_str());
    std::abort();
  }
  return value;
}

}  // namespace

Gateway& Gateway::get() {
  // Never destroyed: handlers of the last input may still reference it at exit.
  static Gateway* gateway = new Gateway();
  return *gateway;
}

Gateway::Gateway() {
  static const ScratchDir scratch;
  // Log lines go to stdout, which libFuzzer does not use; debug level covers the redaction.
  if (!std::freopen("/dev/null", "w", stdout)) std::abort();
  log::set_level(log::Level::debug);

  std::vector<std::string> errors;
  Config config = gateway_config(scratch);
  settings_ = std::make_shared<const Settings>(config, &errors);
  if (!errors.empty()) or_abort(false, "settings: " + errors.front());

  std::string error;
  auto stores = or_abort(open_stores(config, error), error);
  hub_ = std::make_unique<LiveHub>(std::vector<boost::asio::io_context*>{&worker_});
  LogRetention retention{config.history, config.vapi.webhook_dedupe_window};
  log_ = std::make_unique<EventLog>(std::move(stores->events), std::move(stores->calls), *hub_,
                                    broker_, retention);
  log_->start();
  TestCallLimits limits;
  limits.unattached = std::chrono::milliseconds(200);
  limits.call = std::chrono::seconds(2);
  test_calls_ = std::make_unique<TestCalls>(
      make_voice_provider(config.vapi), *log_,
      std::vector<boost::asio::any_io_executor>{worker_.get_executor()}, limits, "fuzz");
  test_calls_->start_sweeps();
  services_ = std::make_unique<Services>(
      Services{LiveServices{*hub_, *log_, user_connections_}, broker_, *test_calls_});
  router_ = make_router(*services_);
}

bool Gateway::settle(const std::function<bool()>& done) {
  for (int round = 0; round < kMaxSettleRounds; ++round) {
    worker_.restart();
    worker_.poll();
    if (done()) return true;
    // The log runs its tasks in order: when this one runs, every earlier one has run.
    std::promise<void> reached;
    log_->read_calls([&reached](CallStore*) { reached.set_value(); });
    reached.get_future().wait();
    worker_.restart();
    const std::size_t ran = worker_.poll();
    if (done()) return true;
    if (ran == 0) return false;
  }
  return done();
}

}  // namespace voxgate::fuzz
