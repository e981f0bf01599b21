#pragma once
// Building deliveries and comparing them field by field, for the broker tests (wire format and
// the NATS broker).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "live/live_hub.hpp"

namespace voxgate {

inline Delivery event(std::string org, std::string user, std::uint64_t seq, std::string payload) {
  return Delivery{std::move(org), std::move(user), seq,
                  std::make_shared<const std::string>(std::move(payload))};
}

inline void expect_same(const std::vector<Delivery>& got, const std::vector<Delivery>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].org_id, want[i].org_id) << i;
    EXPECT_EQ(got[i].user_id, want[i].user_id) << i;
    EXPECT_EQ(got[i].seq, want[i].seq) << i;
    ASSERT_TRUE(got[i].payload) << i;
    EXPECT_EQ(*got[i].payload, *want[i].payload) << i;
  }
}

}  // namespace voxgate
