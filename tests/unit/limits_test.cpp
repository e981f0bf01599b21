#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "auth/api_keys.hpp"
#include "limits/client_address.hpp"
#include "limits/keyed_counter.hpp"
#include "limits/keyed_rate.hpp"
#include "limits/limit_refusal.hpp"
#include "limits/token_bucket.hpp"

namespace voxgate {
namespace {

using namespace std::chrono_literals;
namespace ip = boost::asio::ip;
using Clock = TokenBucket::Clock;
const auto t0 = Clock::time_point{} + 1h;

TEST(TokenBucket, BurstThenRateAndSaysHowLongToWait) {
  TokenBucket b;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.take(t0, 2, 4)) << i;
  std::chrono::milliseconds wait{};
  EXPECT_FALSE(b.take(t0, 2, 4, &wait));
  EXPECT_EQ(wait, 500ms) << "one token at 2 a second";
  EXPECT_FALSE(b.take(t0 + 499ms, 2, 4));
  EXPECT_TRUE(b.take(t0 + 1s, 2, 4)) << "refilled while refused";
  EXPECT_FALSE(b.full(t0 + 1s, 2, 4));
  EXPECT_TRUE(b.full(t0 + 3s, 2, 4));
}

TEST(TokenBucket, NeverRefillsAboveItsBurst) {
  TokenBucket b;
  EXPECT_TRUE(b.take(t0, 10, 2));
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(b.take(t0 + 1h, 10, 2));
  EXPECT_FALSE(b.take(t0 + 1h, 10, 2));
}

TEST(KeyedCounter, LimitPerKeyAndPlacesGivenBack) {
  KeyedCounter users;
  auto a1 = users.acquire("alice", 2);
  auto a2 = users.acquire("alice", 2);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(users.acquire("alice", 2)) << "third socket of alice";
  EXPECT_TRUE(users.acquire("bob", 2)) << "bob is counted apart";
  a1->release();
  EXPECT_EQ(users.count("alice"), 1u);
  auto a3 = users.acquire("alice", 2);
  EXPECT_TRUE(a3);
  EXPECT_TRUE(users.acquire("alice", 0)) << "0 is no limit";
}

TEST(KeyedCounter, KeysWithoutHoldersAreForgotten) {
  KeyedCounter c;
  for (int i = 0; i < 100; ++i) c.acquire("k" + std::to_string(i), 1);  // each slot dropped at once
  EXPECT_EQ(c.keys(), 0u);
  auto held = c.acquire("k", 1);
  EXPECT_EQ(c.keys(), 1u);
  KeyedCounter::Slot moved = std::move(*held);
  EXPECT_EQ(c.count("k"), 1u) << "a moved slot still holds once";
  moved = KeyedCounter::Slot{};
  EXPECT_EQ(c.count("k"), 0u);
}

TEST(KeyedCounter, SlotOutlivingItsCounterIsSafe) {
  std::optional<KeyedCounter::Slot> slot;
  {
    KeyedCounter c;
    slot = c.acquire("org", 1);
  }
  slot->release();  // under ASan a use after free here fails the test
  EXPECT_FALSE(slot->held());
}

TEST(KeyedCounter, ThreadsNeverExceedTheLimit) {
  KeyedCounter c;
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  std::vector<std::optional<KeyedCounter::Slot>> kept(8);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        auto s = c.acquire("hot", 3);
        if (s && !kept[t]) {
          kept[t] = std::move(s);
          ++granted;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 3);
  EXPECT_EQ(c.count("hot"), 3u);
}

TEST(KeyedRate, PerKeyBucketsAndFullOnesForgotten) {
  KeyedRate rates;
  std::chrono::milliseconds wait{};
  Rate r{1, 2};
  EXPECT_TRUE(rates.take("key #1", r, t0, wait));
  EXPECT_TRUE(rates.take("key #1", r, t0, wait));
  EXPECT_FALSE(rates.take("key #1", r, t0, wait));
  EXPECT_EQ(wait, 1000ms);
  EXPECT_TRUE(rates.take("key #2", r, t0, wait));
  EXPECT_EQ(rates.keys(), 2u);
  EXPECT_TRUE(rates.take("key #3", r, t0 + 10s, wait)) << "after a sweep";
  EXPECT_EQ(rates.keys(), 1u) << "refilled buckets were forgotten";
  EXPECT_TRUE(rates.take("anything", Rate{0, 0}, t0, wait)) << "0 is no limit";
}

TEST(ClientKey, IPv4AsIsIPv6ByItsSlash64) {
  EXPECT_EQ(client_key(ip::make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(client_key(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7")
      << "a dual-stack socket's IPv4 client";
  EXPECT_EQ(client_key(ip::make_address("2001:db8:1:2:aaaa::1")),
            client_key(ip::make_address("2001:db8:1:2:bbbb::9")));
  EXPECT_NE(client_key(ip::make_address("2001:db8:1:2::1")),
            client_key(ip::make_address("2001:db8:1:3::1")));
}

TEST(TrustedProxies, EntriesParseOrAreNamedInTheError) {
  std::vector<std::string> errors;
  TrustedProxies proxies({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "10.0.0.300", "lb.local"},
                         &errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("\"10.0.0.300\""), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("\"lb.local\""), std::string::npos) << errors[1];
  EXPECT_TRUE(proxies.contains(ip::make_address("10.20.30.40")));
  EXPECT_TRUE(proxies.contains(ip::make_address("::ffff:10.1.1.1")));
  EXPECT_TRUE(proxies.contains(ip::make_address("192.0.2.7")));
  EXPECT_FALSE(proxies.contains(ip::make_address("192.0.2.8")));
  EXPECT_TRUE(proxies.contains(ip::make_address("2001:db8:ffff::1")));
  EXPECT_FALSE(proxies.contains(ip::make_address("2001:db9::1")));
  EXPECT_FALSE(TrustedProxies().contains(ip::make_address("127.0.0.1")));
}

TEST(TrustedProxies, ForwardedClientIsTheLastHopNotAProxy) {
  TrustedProxies proxies({"10.0.0.0/8"}, nullptr);
  auto client = [&](std::string_view header) {
    auto a = proxies.forwarded_client(header);
    return a ? a->to_string() : std::string("none");
  };
  EXPECT_EQ(client("203.0.113.9"), "203.0.113.9");
  // The client may write anything before its own address; only the proxies' hops count.
  EXPECT_EQ(client("1.1.1.1, 203.0.113.9, 10.0.0.2"), "203.0.113.9");
  EXPECT_EQ(client("spoofed, 203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(client("203.0.113.9:4711"), "203.0.113.9");
  EXPECT_EQ(client("[2001:db8::5]:4711"), "2001:db8::5");
  EXPECT_EQ(client(" 2001:db8::5 "), "2001:db8::5");
  EXPECT_EQ(client("10.0.0.3, 10.0.0.2"), "10.0.0.3") << "only proxies: the first of them";
  EXPECT_EQ(client(""), "none");
  EXPECT_EQ(client("garbage"), "none");
}

TEST(ApiKeys, MatchingKeyIsNamedByItsPlace) {
  std::vector<std::string> keys{"first-key-aaaaaaaa", "", "third-key-cccccccc"};
  EXPECT_EQ(matching_api_key("first-key-aaaaaaaa", keys), 0u);
  EXPECT_EQ(matching_api_key("third-key-cccccccc", keys), 2u);
  EXPECT_FALSE(matching_api_key("", keys)) << "the empty entry never matches";
  EXPECT_FALSE(matching_api_key("third-key-ccccccc", keys));
  EXPECT_TRUE(api_key_matches("third-key-cccccccc", keys));
}

TEST(LimitRefusal, RawAnswerIsCompleteHttpWithRetryAfterInWholeSeconds) {
  EXPECT_EQ(retry_after_seconds(0ms), "1");
  EXPECT_EQ(retry_after_seconds(1001ms), "2");
  LimitRefusal r{"connection_rate_per_ip", 429, "slow down", 2500ms};
  std::string raw = raw_http_refusal(r);
  EXPECT_EQ(raw.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("\r\nRetry-After: 3\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Length: 10\r\n"), std::string::npos) << raw;
  EXPECT_TRUE(raw.ends_with("\r\n\r\nslow down\n")) << raw;
}

}  // namespace
}  // namespace voxgate
