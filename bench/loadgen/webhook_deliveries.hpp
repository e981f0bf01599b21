#pragma once
// Counts the live events the webhook traffic makes reach the subscribers: each delivered event
// names its call, and the call id carries the org and the sender's slot (bench_call_id.hpp), so
// a receipt costs one parse. Latency runs from the request of the call's latest message that
// makes events being written to the event being read.

#include <cstdint>
#include <string_view>

#include "latency_histogram.hpp"
#include "subscriber_crowd.hpp"
#include "webhook_traffic.hpp"

namespace loadgen {

class WebhookDeliveries final : public MessageListener {
 public:
  explicit WebhookDeliveries(const WebhookTraffic& traffic) : traffic_(traffic) {}

  void begin_step();
  void on_message(std::uint32_t receiver_org, std::string_view text, std::int64_t now) override;

  std::uint64_t received() const { return received_; }    // events of this run's calls
  std::uint64_t misrouted() const { return misrouted_; }  // to a subscriber of another org
  std::uint64_t foreign() const { return foreign_; }      // anything else
  const LatencyHistogram& latency() const { return latency_; }

 private:
  const WebhookTraffic& traffic_;
  std::uint64_t received_ = 0, misrouted_ = 0, foreign_ = 0;
  LatencyHistogram latency_;
};

}  // namespace loadgen
