#include "delivery_ledger.hpp"

#include <algorithm>

#include "bench_event.hpp"

namespace loadgen {

void DeliveryLedger::begin_step(std::uint64_t first_seq, std::uint64_t capacity) {
  first_seq_ = first_seq;
  per_event_.assign(capacity, 0);
  seen_ = misrouted_ = stale_ = foreign_ = 0;
  latency_.clear();
}

void DeliveryLedger::record(std::string_view delivered, std::uint32_t receiver_org,
                            std::int64_t now) {
  EventStamp stamp;
  if (!read_bench_stamp(delivered, stamp)) {
    ++foreign_;
    return;
  }
  if (stamp.seq % orgs_ != receiver_org) ++misrouted_;
  if (stamp.seq < first_seq_ || stamp.seq - first_seq_ >= per_event_.size()) {
    ++stale_;
    return;
  }
  ++seen_;
  std::uint16_t& n = per_event_[stamp.seq - first_seq_];
  if (n < UINT16_MAX) ++n;
  latency_.record(now - stamp.sent_ns);
}

LedgerTotals DeliveryLedger::totals(std::uint64_t published,
                                    const std::vector<std::uint32_t>& subscribers_per_org) const {
  LedgerTotals t;
  published = std::min<std::uint64_t>(published, per_event_.size());
  for (std::uint64_t i = 0; i < published; ++i) {
    std::uint64_t want = subscribers_per_org[(first_seq_ + i) % orgs_];
    std::uint64_t got = per_event_[i];
    t.expected += want;
    t.received += std::min(got, want);
    if (got > want) t.duplicates += got - want;
  }
  t.lost = t.expected - t.received;
  t.misrouted = misrouted_;
  t.stale = stale_;
  t.foreign = foreign_;
  return t;
}

}  // namespace loadgen
