#pragma once
// Log-linear histogram of nanosecond latencies: 64 sub-buckets per power of two (1.6 %
// resolution) in a fixed array, so recording costs no allocation and no sort.

#include <array>
#include <cstdint>

namespace loadgen {

class LatencyHistogram {
 public:
  void record(std::int64_t ns);
  void clear();
  std::uint64_t count() const { return count_; }
  std::int64_t max_ns() const { return max_; }
  // The latency below which a fraction q of the samples lie (upper edge of its bucket).
  std::int64_t percentile_ns(double q) const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kBuckets = (64 - kSubBits) * (1 << kSubBits) + (1 << (kSubBits + 1));
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace loadgen
