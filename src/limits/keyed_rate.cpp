#include "limits/keyed_rate.hpp"

namespace voxgate {

namespace {
constexpr auto kSweepEvery = std::chrono::seconds(1);
}

bool KeyedRate::take(std::string_view key, Rate rate, Clock::time_point now,
                     std::chrono::milliseconds& wait) {
  if (rate.per_second <= 0) return true;
  std::lock_guard lock(mu_);
  if (now - last_sweep_ >= kSweepEvery) forget_full(rate, now);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), TokenBucket{}).first;
  return it->second.take(now, rate.per_second, rate.burst, &wait);
}

void KeyedRate::forget_full(Rate rate, Clock::time_point now) {
  last_sweep_ = now;
  std::erase_if(buckets_,
                [&](const auto& kv) { return kv.second.full(now, rate.per_second, rate.burst); });
}

std::size_t KeyedRate::keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace voxgate
