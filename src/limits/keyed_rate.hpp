#pragma once
// Token buckets by key (an API key's requests, an address's new connections), shared by every
// thread; buckets that have refilled are forgotten, so random keys cannot grow the table for long.

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "limits/token_bucket.hpp"

namespace voxgate {

struct Rate {
  double per_second = 0;  // 0: no limit
  double burst = 0;
};

class KeyedRate {
 public:
  using Clock = TokenBucket::Clock;

  // True when `key` may go ahead now; otherwise `wait` says when it may.
  bool take(std::string_view key, Rate rate, Clock::time_point now,
            std::chrono::milliseconds& wait);
  std::size_t keys() const;

 private:
  void forget_full(Rate rate, Clock::time_point now);

  mutable std::mutex mu_;
  std::unordered_map<std::string, TokenBucket> buckets_;
  Clock::time_point last_sweep_{};
};

}  // namespace voxgate
