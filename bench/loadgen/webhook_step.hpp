#pragma once
// One measured step of the webhooks scenario: post Vapi messages at a fixed rate for a while,
// wait for the answers (and, with subscribers, the deliveries) to come in, then report the
// answers by kind, their latency, the server's CPU per message and the deliveries.

#include <cstdint>
#include <string>

#include "process_probe.hpp"
#include "subscriber_crowd.hpp"
#include "webhook_deliveries.hpp"
#include "webhook_traffic.hpp"

namespace loadgen {

struct WebhookStepResult {
  std::string phase;
  double rate = 0, seconds = 0;
  double messages_per_s = 0;  // sent within the window / window
  std::uint64_t unanswered = 0;
  std::int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
  double server_cpu_us_per_message = 0;
  double server_cpu_pct = 0, loadgen_cpu_pct = 0;  // of one core
  std::uint64_t subscribers = 0;
  std::uint64_t expected = 0, received = 0, misrouted = 0;
  std::size_t dropped_subscribers = 0;
  bool ok = false;
  std::string why;  // what was wrong, or "ok"
};

class WebhookStep {
 public:
  // `crowd` may be null: no subscribers.
  WebhookStep(EventLoop& loop, WebhookTraffic& traffic, SubscriberCrowd* crowd, ProcessProbe server,
              std::int64_t drain_ns);
  ~WebhookStep();
  WebhookStep(const WebhookStep&) = delete;
  WebhookStep& operator=(const WebhookStep&) = delete;

  // Runs and prints one step.
  WebhookStepResult run(const std::string& phase, double rate, double seconds);

 private:
  std::uint64_t expected_deliveries(const std::vector<std::uint32_t>& per_org) const;
  std::string verdict(const WebhookStepResult& r) const;
  void print(const WebhookStepResult& r) const;

  EventLoop& loop_;
  WebhookTraffic& traffic_;
  SubscriberCrowd* crowd_;
  ProcessProbe server_;
  std::int64_t drain_ns_;
  WebhookDeliveries deliveries_;
};

}  // namespace loadgen
