#include "ops/log_throttle.hpp"

#include <gtest/gtest.h>

namespace voxgate {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, OneLinePerKeyPerIntervalAndCountsWhatItHeldBack) {
  LogThrottle t(10s);
  auto t0 = LogThrottle::Clock::time_point{} + 1h;
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(t.allow("https://a.com", t0, suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(t.allow("https://a.com", t0 + 1s, suppressed));
  EXPECT_FALSE(t.allow("https://a.com", t0 + 9s, suppressed));
  EXPECT_TRUE(t.allow("https://b.com", t0 + 9s, suppressed)) << "keys are independent";
  EXPECT_TRUE(t.allow("https://a.com", t0 + 10s, suppressed));
  EXPECT_EQ(suppressed, 2u);
}

TEST(LogThrottle, RandomKeysCannotGrowItWithoutBound) {
  LogThrottle t(10s, 4);
  auto t0 = LogThrottle::Clock::time_point{} + 1h;
  std::uint64_t suppressed = 0;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(t.allow("k" + std::to_string(i), t0, suppressed));
  // Full of fresh keys: new keys share one slot, so a flood of origins is one line a period.
  EXPECT_TRUE(t.allow("new1", t0, suppressed));
  EXPECT_FALSE(t.allow("new2", t0, suppressed));
  EXPECT_FALSE(t.allow("new3", t0 + 1s, suppressed));
  // Once the old keys are stale they make room again.
  EXPECT_TRUE(t.allow("new4", t0 + 11s, suppressed));
}

}  // namespace
}  // namespace voxgate
