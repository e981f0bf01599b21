#include "webhook_step.hpp"

#include <numeric>

#include "clock.hpp"
#include "result_line.hpp"

namespace loadgen {
namespace {

constexpr double kMinAchieved = 0.97;  // of the scheduled message rate

double percent(std::int64_t cpu_us, std::int64_t wall_ns) {
  return wall_ns > 0 ? 100.0 * static_cast<double>(cpu_us) * 1000 / static_cast<double>(wall_ns)
                     : 0;
}

}  // namespace

WebhookStep::WebhookStep(EventLoop& loop, WebhookTraffic& traffic, SubscriberCrowd* crowd,
                         ProcessProbe server, std::int64_t drain_ns)
    : loop_(loop),
      traffic_(traffic),
      crowd_(crowd),
      server_(server),
      drain_ns_(drain_ns),
      deliveries_(traffic) {
  if (crowd_) crowd_->set_listener(&deliveries_);
}

WebhookStep::~WebhookStep() {
  if (crowd_) crowd_->set_listener(nullptr);
}

std::uint64_t WebhookStep::expected_deliveries(const std::vector<std::uint32_t>& per_org) const {
  const auto& events = traffic_.tally().events_by_org;
  std::uint64_t total = 0;
  for (std::size_t org = 0; org < per_org.size() && org < events.size(); ++org)
    total += events[org] * per_org[org];
  return total;
}

WebhookStepResult WebhookStep::run(const std::string& phase, double rate, double seconds) {
  WebhookStepResult r;
  r.phase = phase;
  r.rate = rate;
  r.seconds = seconds;
  const std::vector<std::uint32_t> per_org =
      crowd_ ? crowd_->live_per_org() : std::vector<std::uint32_t>{};
  r.subscribers = std::accumulate(per_org.begin(), per_org.end(), std::uint64_t{0});
  const std::size_t dropped_before = crowd_ ? crowd_->dropped() : 0;
  deliveries_.begin_step();

  const auto cpu_before = server_.cpu_us();
  const std::int64_t self_before = self_cpu_us();
  const std::int64_t start = now_ns();
  const std::int64_t stop = start + static_cast<std::int64_t>(seconds * kNsPerSec);
  traffic_.schedule(rate, start, stop);
  for (std::int64_t now = start; now < stop; now = now_ns()) {
    traffic_.pump(now);
    loop_.poll(1);
  }
  const std::uint64_t sent_in_window = traffic_.tally().sent;
  // Drain: every answer in, and every delivery the stored answers announced, or time is up.
  std::int64_t end = now_ns();
  for (; end < stop + drain_ns_; end = now_ns()) {
    if (traffic_.in_flight() == 0 && deliveries_.received() >= expected_deliveries(per_org)) break;
    loop_.poll(1);
  }
  const auto cpu_after = server_.cpu_us();
  const std::int64_t self_after = self_cpu_us();

  const AnswerTally& t = traffic_.tally();
  r.messages_per_s = static_cast<double>(sent_in_window) / seconds;
  r.unanswered = traffic_.in_flight();
  r.p50_ns = t.latency.percentile_ns(0.50);
  r.p99_ns = t.latency.percentile_ns(0.99);
  r.max_ns = t.latency.max_ns();
  const std::uint64_t answered = t.stored + t.duplicate + t.other;
  if (cpu_before && cpu_after) {
    if (answered)
      r.server_cpu_us_per_message =
          static_cast<double>(*cpu_after - *cpu_before) / static_cast<double>(answered);
    r.server_cpu_pct = percent(*cpu_after - *cpu_before, end - start);
  }
  r.loadgen_cpu_pct = percent(self_after - self_before, end - start);
  r.expected = expected_deliveries(per_org);
  r.received = deliveries_.received();
  r.misrouted = deliveries_.misrouted();
  r.dropped_subscribers = crowd_ ? crowd_->dropped() - dropped_before : 0;
  r.why = verdict(r);
  r.ok = r.why == "ok";
  if (!t.first_other.empty()) r.why += " (first: " + t.first_other + ")";
  print(r);
  return r;
}

std::string WebhookStep::verdict(const WebhookStepResult& r) const {
  const AnswerTally& t = traffic_.tally();
  if (r.unanswered) return "requests left unanswered";
  if (t.other) return "answers other than 200 stored or duplicate";
  if (t.false_duplicates) return "first deliveries answered duplicate";
  if (t.missed_repeats) return "repeats stored again";
  if (t.event_mismatch) return "stored answers with an unexpected number of events";
  if (t.wrong_org) return "stored answers naming another org";
  if (r.dropped_subscribers) return "subscribers closed by the server";
  if (r.misrouted) return "events delivered to another org";
  if (r.received < r.expected) return "deliveries lost";
  if (r.received > r.expected) return "more deliveries than announced";
  if (r.messages_per_s < kMinAchieved * r.rate) return "message rate not reached";
  return "ok";
}

void WebhookStep::print(const WebhookStepResult& r) const {
  const AnswerTally& t = traffic_.tally();
  auto kind_p99 = [&t](MessageKind k) {
    return t.by_kind[static_cast<int>(k)].percentile_ns(0.99);
  };
  ResultLine line("result", "webhooks");
  line.add("phase", r.phase)
      .add("rate", r.rate, 0)
      .add("seconds", r.seconds, 1)
      .add("sent", t.sent)
      .add("messages_per_s", r.messages_per_s, 0)
      .add("repeats", t.repeats_sent)
      .add("stored", t.stored)
      .add("duplicate", t.duplicate)
      .add("other", t.other)
      .add("unanswered", r.unanswered)
      .add("calls_ended", t.calls_ended)
      .add("body_kib_per_s", static_cast<double>(t.bytes_sent) / 1024 / r.seconds, 0)
      .ms("p50_ms", r.p50_ns)
      .ms("p99_ms", r.p99_ns)
      .ms("max_ms", r.max_ns)
      .ms("status_p99_ms", kind_p99(MessageKind::status))
      .ms("transcript_p99_ms", kind_p99(MessageKind::transcript))
      .ms("report_p99_ms", kind_p99(MessageKind::report))
      .ms("repeat_p99_ms", t.repeats.percentile_ns(0.99))
      .ms("max_send_lag_ms", t.max_lag_ns)
      .add("server_cpu_us_per_message", r.server_cpu_us_per_message, 1)
      .add("server_cpu_pct", r.server_cpu_pct, 0)
      .add("loadgen_cpu_pct", r.loadgen_cpu_pct, 0);
  if (crowd_)
    line.add("subscribers", r.subscribers)
        .add("deliveries_expected", r.expected)
        .add("deliveries_received", r.received)
        .add("misrouted", r.misrouted)
        .add("dropped_subscribers", r.dropped_subscribers)
        .ms("delivery_p50_ms", deliveries_.latency().percentile_ns(0.50))
        .ms("delivery_p99_ms", deliveries_.latency().percentile_ns(0.99));
  line.add("false_duplicates", t.false_duplicates)
      .add("missed_repeats", t.missed_repeats)
      .add("event_mismatch", t.event_mismatch)
      .add("wrong_org", t.wrong_org)
      .add("ok", r.ok ? "yes" : "no")
      .add("why", r.why)
      .print();
}

}  // namespace loadgen
