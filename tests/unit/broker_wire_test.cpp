#include "live/broker_wire.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "delivery_checks.hpp"

namespace voxgate {
namespace {

// The wire format written out by hand, independently of the encoder.
std::string little_endian(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}
std::string u32(std::uint32_t v) {
  return little_endian(v, 4);
}
std::string u64(std::uint64_t v) {
  return little_endian(v, 8);
}
std::string field(std::string_view s) {
  return u32(static_cast<std::uint32_t>(s.size())) + std::string(s);
}
std::string wire_event(std::string_view org, std::string_view user, std::uint64_t seq,
                       std::string_view payload) {
  return field(org) + field(user) + u64(seq) + field(payload);
}

const std::string kBinary("{\"x\":1}\0\xff\xfe\n\r\x80 end", 17);

std::vector<Delivery> sample_events() {
  return {event("org-a", "", 1, R"({"type":"call_status"})"), event("org-a", "user-1", 2, kBinary),
          event("org-b", "user-2", 0xFFFFFFFFFFFFFFFFull, ""),
          event("o", "u", 0x0102030405060708ull, std::string(300, 'p'))};
}

TEST(BrokerWire, EncodesTheDocumentedBytes) {
  const auto events = sample_events();
  const std::string expected = "VXB1" + field("node-7") + u32(4) +
                               wire_event("org-a", "", 1, R"({"type":"call_status"})") +
                               wire_event("org-a", "user-1", 2, kBinary) +
                               wire_event("org-b", "user-2", 0xFFFFFFFFFFFFFFFFull, "") +
                               wire_event("o", "u", 0x0102030405060708ull, std::string(300, 'p'));
  EXPECT_EQ(encode_broker_message("node-7", events), expected);
}

TEST(BrokerWire, RoundTripsEventsAcrossOrgsAndUsers) {
  const auto events = sample_events();
  std::string error;
  auto decoded = decode_broker_message(encode_broker_message("node-7", events), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->node_id, "node-7");
  expect_same(decoded->events, events);
}

TEST(BrokerWire, RoundTripsAMessageWithoutEvents) {
  std::string error;
  auto decoded = decode_broker_message(encode_broker_message("n", {}), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->node_id, "n");
  EXPECT_TRUE(decoded->events.empty());
}

std::vector<Delivery> numbered(std::size_t count, std::size_t payload_bytes) {
  std::vector<Delivery> events;
  for (std::size_t i = 0; i < count; ++i)
    events.push_back(event("org-" + std::to_string(i % 3), i % 2 ? "u" : "", i + 1,
                           std::string(payload_bytes, static_cast<char>('a' + i % 26))));
  return events;
}

std::vector<Delivery> decode_all(const std::vector<std::string>& messages) {
  std::vector<Delivery> all;
  for (const auto& m : messages) {
    std::string error;
    auto decoded = decode_broker_message(m, error);
    EXPECT_TRUE(decoded) << error;
    if (!decoded) continue;
    EXPECT_EQ(decoded->node_id, "node-1");
    for (auto& d : decoded->events) all.push_back(std::move(d));
  }
  return all;
}

TEST(BrokerWire, SplitsWithinTheLimitAndKeepsOrder) {
  const auto events = numbered(100, 100);
  const std::size_t limit = 1000;
  std::size_t oversized = 0;
  const auto messages = encode_broker_messages("node-1", events, limit, oversized);
  EXPECT_EQ(oversized, 0u);
  EXPECT_GT(messages.size(), 10u);
  for (const auto& m : messages) EXPECT_LE(m.size(), limit);
  expect_same(decode_all(messages), events);
}

TEST(BrokerWire, FillsEachMessageExactlyToTheLimit) {
  // Each event here takes 4+5 + 4+0 + 8 + 4+10 = 35 bytes; the header 4 + 4+6 + 4 = 18.
  std::vector<Delivery> events;
  for (std::uint64_t seq = 1; seq <= 10; ++seq)
    events.push_back(event("org-0", "", seq, "0123456789"));
  std::size_t oversized = 0;
  const auto messages = encode_broker_messages("node-1", events, 18 + 3 * 35, oversized);
  ASSERT_EQ(messages.size(), 4u);  // 3 + 3 + 3 + 1
  EXPECT_EQ(messages[0].size(), 18u + 3 * 35);
  EXPECT_EQ(messages[3].size(), 18u + 35);
  expect_same(decode_all(messages), events);
}

TEST(BrokerWire, OneMessageWhenEverythingFits) {
  const auto events = numbered(50, 10);
  std::size_t oversized = 0;
  const auto messages =
      encode_broker_messages("node-1", events, kDefaultBrokerMessageBytes, oversized);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], encode_broker_message("node-1", events));
}

TEST(BrokerWire, SkipsAndCountsEventsLargerThanTheLimit) {
  auto events = numbered(6, 10);
  events[0] = event("org-0", "", 1, std::string(5000, 'x'));
  events[3] = event("org-0", "", 4, std::string(5000, 'y'));
  std::size_t oversized = 7;  // added to, not reset
  const auto messages = encode_broker_messages("node-1", events, 1000, oversized);
  EXPECT_EQ(oversized, 9u);
  for (const auto& m : messages) EXPECT_LE(m.size(), 1000u);
  expect_same(decode_all(messages), {events[1], events[2], events[4], events[5]});
}

TEST(BrokerWire, NothingToSendWhenEveryEventIsTooLarge) {
  const auto events = numbered(3, 2000);
  std::size_t oversized = 0;
  EXPECT_TRUE(encode_broker_messages("node-1", events, 1000, oversized).empty());
  EXPECT_EQ(oversized, 3u);
}

std::string refused(std::string_view bytes) {
  std::string error;
  auto decoded = decode_broker_message(bytes, error);
  EXPECT_FALSE(decoded) << "accepted " << bytes.size() << " bytes";
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(BrokerWire, RefusesEveryTruncation) {
  const std::string whole = encode_broker_message("node-7", sample_events());
  for (std::size_t n = 0; n < whole.size(); ++n) {
    SCOPED_TRACE(n);
    refused(std::string_view(whole).substr(0, n));
  }
}

TEST(BrokerWire, RefusesTrailingBytes) {
  const std::string whole = encode_broker_message("node-7", sample_events());
  EXPECT_NE(refused(whole + "x").find("trailing"), std::string::npos);
  EXPECT_NE(refused(whole + std::string(64, '\0')).find("trailing"), std::string::npos);
}

struct HostileCase {
  const char* name;
  std::string bytes;
  const char* mentions;
};

class BrokerWireRefuses : public ::testing::TestWithParam<HostileCase> {};

TEST_P(BrokerWireRefuses, WithAnErrorThatSaysWhy) {
  const std::string error = refused(GetParam().bytes);
  EXPECT_NE(error.find(GetParam().mentions), std::string::npos) << error;
}

const std::string kGood = wire_event("org", "user", 5, "payload");

INSTANTIATE_TEST_SUITE_P(
    BrokerWire, BrokerWireRefuses,
    ::testing::Values(
        HostileCase{"empty", "", "VXB1"}, HostileCase{"json", R"({"orgId":"o"})", "VXB1"},
        HostileCase{"other_version", "VXB2" + field("n") + u32(0), "VXB1"},
        HostileCase{"lowercase_magic", "vxb1" + field("n") + u32(0), "VXB1"},
        HostileCase{"node_length_past_end", "VXB1" + u32(100) + "node", "node id"},
        HostileCase{"node_length_max", "VXB1" + u32(0xFFFFFFFF) + "node", "node id"},
        HostileCase{"empty_node", "VXB1" + field("") + u32(1) + kGood, "empty node id"},
        HostileCase{"count_missing", "VXB1" + field("n") + std::string("\x01\x00", 2),
                    "event count"},
        HostileCase{"count_max", "VXB1" + field("n") + u32(0xFFFFFFFF) + kGood, "event count"},
        HostileCase{"count_over_bytes", "VXB1" + field("n") + u32(1000) + kGood, "cannot fit"},
        HostileCase{"count_over_limit",
                    "VXB1" + field("n") + u32(static_cast<std::uint32_t>(kMaxBrokerEvents + 1)),
                    "over the limit"},
        HostileCase{"count_short_by_one", "VXB1" + field("n") + u32(2) + kGood + kGood + kGood,
                    "trailing"},
        HostileCase{"org_length_max",
                    "VXB1" + field("n") + u32(1) + u32(0xFFFFFFFF) + std::string(30, 'o'),
                    "event 0 org id"},
        HostileCase{
            "user_length_past_end",
            "VXB1" + field("n") + u32(1) + field("org") + u32(0x7FFFFFFF) + std::string(20, 'u'),
            "event 0 user id"},
        HostileCase{"payload_length_max",
                    "VXB1" + field("n") + u32(2) + kGood + field("org") + field("") + u64(6) +
                        u32(0xFFFFFFFF) + "abc",
                    "event 1 payload"},
        HostileCase{
            "payload_one_short",
            "VXB1" + field("n") + u32(1) + field("org") + field("") + u64(6) + u32(8) + "1234567",
            "event 0 payload"},
        HostileCase{"empty_org", "VXB1" + field("n") + u32(2) + kGood + wire_event("", "u", 3, "p"),
                    "event 1: empty org id"},
        HostileCase{"seq_zero", "VXB1" + field("n") + u32(1) + wire_event("org", "u", 0, "p"),
                    "event 0: seq 0"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace voxgate
