#include "latency_histogram.hpp"

#include <bit>
#include <cmath>

namespace loadgen {
namespace {

constexpr int kSub = 64;  // sub-buckets per power of two

// Values below 2*kSub map to themselves; above, the top 7 bits select the bucket.
int bucket_of(std::uint64_t v) {
  if (v < 2u * kSub) return static_cast<int>(v);
  int shift = std::bit_width(v) - 7;
  return shift * kSub + static_cast<int>(v >> shift);
}

std::int64_t upper_edge(int bucket) {
  if (bucket < 2 * kSub) return bucket;
  int shift = bucket / kSub - 1;
  std::int64_t mantissa = bucket - shift * kSub;
  return ((mantissa + 1) << shift) - 1;
}

}  // namespace

void LatencyHistogram::record(std::int64_t ns) {
  if (ns < 0) ns = 0;  // cannot happen on one monotonic clock; guard the index anyway
  ++buckets_[bucket_of(static_cast<std::uint64_t>(ns))];
  ++count_;
  if (ns > max_) max_ = ns;
}

void LatencyHistogram::clear() {
  buckets_.fill(0);
  count_ = 0;
  max_ = 0;
}

std::int64_t LatencyHistogram::percentile_ns(double q) const {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[b];
    if (seen >= rank) return upper_edge(b) < max_ ? upper_edge(b) : max_;
  }
  return max_;
}

}  // namespace loadgen
