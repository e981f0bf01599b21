#include "live/replay_backlog.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace voxgate {
namespace {

// A connection whose queue only empties when the test says the client read it; a drain calls
// the backlog back in, as WsSession's does.
class QueueOnly final : public WsConnection {
 public:
  void send(SharedPayload payload, bool) override {
    queued_ += payload->size();
    sent.push_back(*payload);
    if (drain_on_send) read_all();
  }
  void close(std::uint16_t, std::string_view) override {}
  std::size_t queued_bytes() const override { return queued_; }
  boost::asio::any_io_executor executor() override { return io_.get_executor(); }
  void flush() override {}

  void read_all() {
    queued_ = 0;
    if (backlog) backlog->send_some(*this, budget);
  }

  std::vector<std::string> sent;
  ReplayBacklog* backlog = nullptr;
  std::size_t budget = 0;
  bool drain_on_send = false;

 private:
  boost::asio::io_context io_;
  std::size_t queued_ = 0;
};

std::vector<std::string> messages(int n, std::size_t size) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(std::to_string(i) + std::string(size - 1, 'x'));
  return out;
}

SharedPayload payload(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

TEST(ReplayBacklog, SendsOnlyWhileTheQueueHasRoom) {
  QueueOnly c;
  ReplayBacklog b;
  b.start(messages(10, 100));
  b.send_some(c, 250);
  EXPECT_EQ(c.sent.size(), 3u);  // 0, 100, 200 bytes queued before each: the third fills it
  EXPECT_FALSE(b.empty());
  c.backlog = &b;
  c.budget = 250;
  c.read_all();
  EXPECT_EQ(c.sent.size(), 6u);
  while (!b.empty()) c.read_all();
  ASSERT_EQ(c.sent, messages(10, 100));
}

TEST(ReplayBacklog, OneMessageGoesWhenTheQueueIsEmptyWhateverItsSize) {
  QueueOnly c;
  ReplayBacklog b;
  b.start(messages(2, 1000));
  b.send_some(c, 10);
  EXPECT_EQ(c.sent.size(), 1u);
  b.send_some(c, 0);
  EXPECT_EQ(c.sent.size(), 1u);  // the first is still queued
}

TEST(ReplayBacklog, LiveEventsFollowTheHistoryInOrder) {
  QueueOnly c;
  ReplayBacklog b;
  b.start(messages(3, 100));
  b.send_some(c, 100);
  ASSERT_TRUE(b.hold(payload("live-1"), 1000));
  ASSERT_TRUE(b.hold(payload("live-2"), 1000));
  c.backlog = &b;
  c.budget = 100;
  while (!b.empty()) c.read_all();
  auto expected = messages(3, 100);
  expected.push_back("live-1");
  expected.push_back("live-2");
  EXPECT_EQ(c.sent, expected);
}

TEST(ReplayBacklog, HoldingMoreLiveBytesThanTheLimitIsRefused) {
  ReplayBacklog b;
  b.start(messages(1, 10));
  EXPECT_TRUE(b.hold(payload(std::string(60, 'a')), 100));
  EXPECT_FALSE(b.hold(payload(std::string(41, 'b')), 100));
  EXPECT_TRUE(b.hold(payload(std::string(40, 'c')), 100));
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.hold(payload(std::string(100, 'd')), 100));  // clear() forgot the bytes held
}

TEST(ReplayBacklog, AQueueThatDrainsAtOnceTakesEverythingInOnePass) {
  // A socket that takes every write drains the queue inside send(), which calls the backlog
  // back: the nested call must neither reorder nor repeat messages.
  QueueOnly c;
  ReplayBacklog b;
  c.backlog = &b;
  c.budget = 50;
  c.drain_on_send = true;
  b.start(messages(20, 100));
  ASSERT_TRUE(b.hold(payload("live"), 1000));
  b.send_some(c, 50);
  EXPECT_TRUE(b.empty());
  auto expected = messages(20, 100);
  expected.push_back("live");
  EXPECT_EQ(c.sent, expected);
}

}  // namespace
}  // namespace voxgate
