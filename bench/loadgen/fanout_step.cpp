#include "fanout_step.hpp"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>

#include "clock.hpp"
#include "result_line.hpp"

namespace loadgen {
namespace {

// Deliveries `count` events from first_seq should make; event seq goes to org seq % orgs.
std::uint64_t expected_deliveries(std::uint64_t first_seq, std::uint64_t count,
                                  const std::vector<std::uint32_t>& per_org) {
  const std::uint64_t orgs = per_org.size();
  std::uint64_t all = std::accumulate(per_org.begin(), per_org.end(), std::uint64_t{0});
  std::uint64_t total = count / orgs * all;
  for (std::uint64_t i = count / orgs * orgs; i < count; ++i)
    total += per_org[(first_seq + i) % orgs];
  return total;
}

double percent(std::int64_t cpu_us, std::int64_t wall_ns) {
  return wall_ns > 0 ? 100.0 * static_cast<double>(cpu_us) * 1000 / static_cast<double>(wall_ns)
                     : 0;
}

// Each server process's CPU time so far, or nothing when one of them cannot be read.
std::optional<std::vector<std::int64_t>> cpu_us_each(const std::vector<ProcessProbe>& servers) {
  std::vector<std::int64_t> out;
  for (const ProcessProbe& server : servers) {
    std::optional<std::int64_t> us = server.cpu_us();
    if (!us) return std::nullopt;
    out.push_back(*us);
  }
  return out;
}

// "a/b/c": one figure per node in a result line.
template <class T>
std::string per_node(const std::vector<T>& values, int decimals) {
  std::string out;
  for (const T& v : values) {
    if (!out.empty()) out += '/';
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, static_cast<double>(v));
    out += text;
  }
  return out;
}

}  // namespace

FanoutStep::FanoutStep(EventLoop& loop, SubscriberCrowd& crowd, EventPublisher& publisher,
                       std::vector<ProcessProbe> servers, std::uint32_t orgs, StepLimits limits)
    : loop_(loop),
      crowd_(crowd),
      publisher_(publisher),
      servers_(std::move(servers)),
      orgs_(orgs),
      limits_(limits),
      ledger_(orgs) {
  crowd_.set_listener(this);
}

FanoutStep::~FanoutStep() {
  crowd_.set_listener(nullptr);
}

void FanoutStep::on_message(std::uint32_t receiver_org, std::string_view text, std::int64_t now) {
  ledger_.record(text, receiver_org, now);
}

StepResult FanoutStep::run(const std::string& phase, double rate, double seconds) {
  StepResult r;
  r.phase = phase;
  r.rate = rate;
  r.seconds = seconds;
  const std::vector<std::uint32_t> per_org = crowd_.live_per_org();
  const std::size_t dropped_before = crowd_.dropped();
  const auto window_ns = static_cast<std::int64_t>(seconds * kNsPerSec);
  const auto capacity = static_cast<std::uint64_t>(std::ceil(rate * seconds)) + 1;
  const std::uint64_t first_seq = next_seq_;
  ledger_.begin_step(first_seq, capacity);

  const auto cpu_before = cpu_us_each(servers_);
  const std::int64_t self_before = self_cpu_us();
  const std::int64_t start = now_ns();
  const std::int64_t stop = start + window_ns;
  publisher_.schedule(rate, first_seq, start, stop);
  for (std::int64_t now = start; now < stop; now = now_ns()) {
    publisher_.pump(now);
    loop_.poll(1);
  }
  const std::uint64_t sent_in_window = publisher_.tally().events_sent;
  // Drain: the backlog is still sent; then wait until every delivery is in or time is up.
  const std::int64_t drain_until = stop + limits_.drain_ns;
  std::int64_t end = now_ns();
  for (; end < drain_until; end = now_ns()) {
    publisher_.pump(end);
    const auto& tally = publisher_.tally();
    if (tally.events_sent == publisher_.planned() && publisher_.settled() &&
        ledger_.deliveries_seen() >= expected_deliveries(first_seq, tally.events_sent, per_org))
      break;
    loop_.poll(1);
  }
  const auto cpu_after = cpu_us_each(servers_);
  const std::int64_t self_after = self_cpu_us();
  next_seq_ = publisher_.next_seq();

  const PublishTally& tally = publisher_.tally();
  r.totals = ledger_.totals(tally.events_sent, per_org);
  r.events_per_s = static_cast<double>(sent_in_window) / seconds;
  r.deliveries_per_s = static_cast<double>(r.totals.received) / seconds;
  r.dropped_subscribers = crowd_.dropped() - dropped_before;
  r.p50_ns = ledger_.latency().percentile_ns(0.50);
  r.p99_ns = ledger_.latency().percentile_ns(0.99);
  r.max_ns = ledger_.latency().max_ns();
  if (cpu_before && cpu_after) {
    std::int64_t cpu_us = 0;
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      const std::int64_t node_us = (*cpu_after)[i] - (*cpu_before)[i];
      cpu_us += node_us;
      if (servers_.size() > 1) r.server_cpu_pct_per_node.push_back(percent(node_us, end - start));
    }
    if (r.totals.received)
      r.server_cpu_us_per_delivery =
          static_cast<double>(cpu_us) / static_cast<double>(r.totals.received);
    r.server_cpu_pct = percent(cpu_us, end - start);
  }
  r.loadgen_cpu_pct = percent(self_after - self_before, end - start);
  if (tally.events_per_node.size() > 1) r.events_per_node = tally.events_per_node;
  r.requests = tally.requests;
  r.refused = tally.requests_refused;
  r.events_per_request =
      tally.requests ? static_cast<double>(tally.events_sent) / static_cast<double>(tally.requests)
                     : 0;
  r.reply_p99_ns = tally.reply_latency.percentile_ns(0.99);
  r.why = verdict(r);
  r.pass = r.why == "ok";
  if (!tally.first_refusal.empty()) r.why += " (first refusal: " + tally.first_refusal + ")";
  return r;
}

std::string FanoutStep::verdict(const StepResult& r) const {
  if (r.refused) return "publish requests refused";
  if (r.dropped_subscribers) return "subscribers closed by the server";
  if (r.totals.lost) return "deliveries lost";
  if (r.totals.misrouted) return "events delivered to another org";
  if (r.totals.duplicates) return "duplicate deliveries";
  if (r.events_per_s < limits_.min_achieved * r.rate) return "publish rate not reached";
  if (r.p99_ns >= limits_.p99_limit_ns) return "p99 latency over the limit";
  return "ok";
}

void print_step(const StepResult& r) {
  ResultLine line("result", "fanout");
  line.add("phase", r.phase)
      .add("rate", r.rate, 0)
      .add("seconds", r.seconds, 1)
      .add("events_per_s", r.events_per_s, 0)
      .add("deliveries_per_s", r.deliveries_per_s, 0)
      .add("expected", r.totals.expected)
      .add("received", r.totals.received)
      .add("lost", r.totals.lost)
      .add("duplicates", r.totals.duplicates)
      .add("misrouted", r.totals.misrouted)
      .add("dropped_subscribers", r.dropped_subscribers)
      .ms("p50_ms", r.p50_ns)
      .ms("p99_ms", r.p99_ns)
      .ms("max_ms", r.max_ns)
      .add("server_cpu_us_per_delivery", r.server_cpu_us_per_delivery, 2)
      .add("server_cpu_pct", r.server_cpu_pct, 0);
  // Only with several nodes, so a single node's line reads as it always has.
  if (!r.server_cpu_pct_per_node.empty())
    line.add("server_cpu_pct_per_node", per_node(r.server_cpu_pct_per_node, 0));
  if (!r.events_per_node.empty()) line.add("events_per_node", per_node(r.events_per_node, 0));
  line.add("loadgen_cpu_pct", r.loadgen_cpu_pct, 0)
      .add("requests", r.requests)
      .add("events_per_request", r.events_per_request, 1)
      .ms("reply_p99_ms", r.reply_p99_ns)
      .add("pass", r.pass ? "yes" : "no")
      .add("why", r.why)
      .print();
}

}  // namespace loadgen
