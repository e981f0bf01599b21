// Vapi webhooks: signed server messages of many concurrent calls through POST
// /api/webhooks/vapi at fixed rates, optionally with live-calls subscribers of the same orgs so
// the fan-out load is present. Reports per step the answers by kind, their latency from request
// written to answer read, the server's CPU per message and, with subscribers, the deliveries.
#include <stdexcept>

#include "clock.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"
#include "webhook_step.hpp"

namespace loadgen {

int run_webhooks(const Options& o) {
  CommonSettings common = read_common(o);
  TrafficSettings traffic;
  traffic.target = common.crowd.targets.front();
  traffic.secret = o.required_text("webhook-secret");
  traffic.orgs = common.crowd.orgs;
  traffic.connections = static_cast<std::size_t>(o.integer("connections", 32));
  traffic.calls = static_cast<std::size_t>(o.integer("calls", 1000));
  traffic.script.utterances = static_cast<int>(o.integer("utterances", 8));
  traffic.script.partials = static_cast<int>(o.integer("partials", 2));
  traffic.repeat_share = o.number("repeat-pct", 2) / 100;
  const auto subscribers = static_cast<std::size_t>(o.integer("subscribers", 0));
  const std::vector<std::int64_t> rates = o.integers("rate", {250, 500, 1000});
  const double step_s = o.number("step-s", 10);
  const double warmup_s = o.number("warmup-s", 3);
  const auto drain_ns = static_cast<std::int64_t>(o.number("drain-s", 3) * kNsPerSec);
  const auto pause_ms = o.integer("pause-ms", 1000);
  const auto timeout_s = o.integer("timeout-s", 60);
  o.reject_unused();
  if (traffic.connections == 0) throw std::invalid_argument("--connections must be at least 1");
  if (traffic.calls < 2 * traffic.connections)
    throw std::invalid_argument("--calls must be at least twice --connections");
  if (traffic.script.utterances < 1 || traffic.script.utterances > 64)
    throw std::invalid_argument("--utterances must be between 1 and 64");
  if (traffic.script.partials < 0 || traffic.script.partials > 8)
    throw std::invalid_argument("--partials must be between 0 and 8");
  if (traffic.repeat_share < 0 || traffic.repeat_share >= 0.5)
    throw std::invalid_argument("--repeat-pct must be at least 0 and below 50");
  for (std::int64_t rate : rates)
    if (rate <= 0) throw std::invalid_argument("--rate: every rate must be above 0");
  if (step_s <= 0) throw std::invalid_argument("--step-s must be above 0");
  require_open_files(subscribers + traffic.connections);

  EventLoop loop;
  loop.set_poll_sleep_us(common.poll_sleep_us);
  JwtMinter minter(common.jwt_secret);
  SubscriberCrowd crowd(loop, common.crowd, minter);
  if (subscribers &&
      !open_crowd(crowd, common, "webhooks", subscribers, now_ns() + timeout_s * kNsPerSec))
    return 1;
  WebhookTraffic sender(loop, traffic);
  WebhookStep step(loop, sender, subscribers ? &crowd : nullptr, ProcessProbe(common.server_pid()),
                   drain_ns);

  // A subscriber the server closed would count as loss in every later step: reopen it first.
  auto between_steps = [&] {
    if (subscribers && crowd.live() < subscribers) {
      note_endings(crowd);
      crowd.reopen_ended(now_ns() + timeout_s * kNsPerSec);
    }
    idle_for(loop, pause_ms);
  };
  if (warmup_s > 0) {
    // Not judged: the first calls are created, the store and the allocator warm up.
    step.run("warmup", static_cast<double>(rates.front()), warmup_s);
    between_steps();
  }
  ResultLine summary("summary", "webhooks");
  summary.add("subscribers", subscribers)
      .add("orgs", common.crowd.orgs)
      .add("calls", traffic.calls)
      .add("connections", traffic.connections);
  bool all_ok = true;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const auto rate = static_cast<double>(rates[i]);
    WebhookStepResult r = step.run("step", rate, step_s);
    all_ok = all_ok && r.ok;
    const std::string at = "_at_" + std::to_string(rates[i]);
    summary.ms("p50_ms" + at, r.p50_ns)
        .ms("p99_ms" + at, r.p99_ns)
        .ms("max_ms" + at, r.max_ns)
        .add("server_cpu_us_per_message" + at, r.server_cpu_us_per_message, 1)
        .add("ok" + at, r.ok ? "yes" : "no");
    if (i + 1 < rates.size()) between_steps();
  }
  summary.add("all_ok", all_ok ? "yes" : "no").print();
  crowd.abort_all();
  return all_ok ? 0 : 1;
}

}  // namespace loadgen
