#pragma once
// Accounts for every delivery of one measurement step: a counter per event (pre-sized, so
// receipt costs one increment) and the publish-to-deliver latency histogram.

#include <cstdint>
#include <string_view>
#include <vector>

#include "latency_histogram.hpp"

namespace loadgen {

struct LedgerTotals {
  std::uint64_t expected = 0;    // sum over published events of their org's subscribers
  std::uint64_t received = 0;    // deliveries of this step's events, duplicates excluded
  std::uint64_t lost = 0;        // expected - received
  std::uint64_t duplicates = 0;  // deliveries beyond one per subscriber
  std::uint64_t misrouted = 0;   // an event received by a subscriber of another org
  std::uint64_t stale = 0;       // late deliveries of an earlier step's events
  std::uint64_t foreign = 0;     // messages that are not benchmark events
};

class DeliveryLedger {
 public:
  explicit DeliveryLedger(std::uint32_t orgs) : orgs_(orgs) {}

  // Events [first_seq, first_seq + capacity) may be published in this step.
  void begin_step(std::uint64_t first_seq, std::uint64_t capacity);
  void record(std::string_view delivered, std::uint32_t receiver_org, std::int64_t now);
  std::uint64_t deliveries_seen() const { return seen_; }
  // `published` events from first_seq, `subscribers_per_org` live during the step.
  LedgerTotals totals(std::uint64_t published,
                      const std::vector<std::uint32_t>& subscribers_per_org) const;
  const LatencyHistogram& latency() const { return latency_; }

 private:
  std::uint32_t orgs_;
  std::uint64_t first_seq_ = 0;
  std::vector<std::uint16_t> per_event_;
  std::uint64_t seen_ = 0, misrouted_ = 0, stale_ = 0, foreign_ = 0;
  LatencyHistogram latency_;
};

}  // namespace loadgen
