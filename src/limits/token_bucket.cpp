#include "limits/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace voxgate {

double TokenBucket::level(Clock::time_point now, double rate, double burst) const {
  if (tokens_ < 0) return burst;
  std::chrono::duration<double> elapsed = now - last_;
  return std::min(burst, tokens_ + std::max(0.0, elapsed.count()) * rate);
}

bool TokenBucket::take(Clock::time_point now, double rate, double burst,
                       std::chrono::milliseconds* wait) {
  tokens_ = level(now, rate, burst);
  last_ = now;
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  if (wait) {
    double seconds = rate > 0 ? (1 - tokens_) / rate : 3600;
    *wait = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  }
  return false;
}

bool TokenBucket::full(Clock::time_point now, double rate, double burst) const {
  return level(now, rate, burst) >= burst;
}

}  // namespace voxgate
