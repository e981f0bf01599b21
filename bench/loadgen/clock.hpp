#pragma once
// The load generator's clocks. Publish stamps and receipt times are both taken in this process,
// so the monotonic clock measures publish-to-deliver latency without any clock skew.

#include <time.h>

#include <cstdint>

namespace loadgen {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSec = 1'000'000'000;

inline std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

// The event's `ts` field is wall-clock milliseconds, as the protocol defines it.
inline std::int64_t unix_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / kNsPerMs;
}

}  // namespace loadgen
