#pragma once
// A rate with a burst: `rate` tokens a second refill up to `burst`; each request takes one.

#include <chrono>

namespace voxgate {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // True when a token was taken; otherwise `wait` (when given) is how long until one is there.
  bool take(Clock::time_point now, double rate, double burst,
            std::chrono::milliseconds* wait = nullptr);
  // Refilled to the brim: forgetting this bucket changes nothing.
  bool full(Clock::time_point now, double rate, double burst) const;

 private:
  double level(Clock::time_point now, double rate, double burst) const;

  double tokens_ = -1;  // below zero: never used, i.e. full
  Clock::time_point last_{};
};

}  // namespace voxgate
