#pragma once
// Many subscribers at once: opens them with a bounded number of handshakes in flight (so the
// server's accept queue never overflows into SYN retries), and tallies how they end.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "jwt_minter.hpp"
#include "latency_histogram.hpp"
#include "subscriber.hpp"

namespace loadgen {

// Receives each event message of a live subscriber.
class MessageListener {
 public:
  virtual void on_message(std::uint32_t receiver_org, std::string_view text, std::int64_t now) = 0;

 protected:
  ~MessageListener() = default;
};

struct OpenOutcome {
  std::size_t requested = 0;
  std::size_t subscribed = 0;
  std::size_t failed = 0;
  std::int64_t elapsed_ns = 0;  // first connect to last subscribed reply
};

struct CrowdSettings {
  std::vector<Target> targets;  // one per node; at least one
  std::string path = "/ws/live-calls";
  std::uint32_t orgs = 100;
  std::size_t concurrency = 500;  // handshakes in flight at most
};

class SubscriberCrowd final : private SubscriberSink {
 public:
  SubscriberCrowd(EventLoop& loop, CrowdSettings settings, const JwtMinter& minter);

  // Opens `more` subscribers (user-<n>, org-<n % orgs>, on node (n / orgs) % nodes, so every
  // org has subscribers on every node, as behind a load balancer); tokens are minted before the
  // clock starts. Returns when each is subscribed or failed, or at the deadline.
  OpenOutcome open(std::size_t more, std::int64_t deadline_ns);
  // Opens again, under the same users and orgs, every subscriber that ended.
  OpenOutcome reopen_ended(std::int64_t deadline_ns);
  // Drops every connection with RST and forgets the subscribers.
  void abort_all();

  void set_listener(MessageListener* listener) { listener_ = listener; }
  std::size_t live() const { return live_; }
  // Subscribers that were live and then ended (a server close such as 1013, or a lost socket).
  std::size_t dropped() const { return dropped_; }
  std::vector<std::uint32_t> live_per_org() const;
  // Why subscribers failed or ended, with counts; "key: detail" strings.
  const std::map<std::string, std::size_t>& endings() const { return endings_; }
  const LatencyHistogram& subscribe_latency() const { return subscribe_latency_; }

 private:
  void on_subscribed(Subscriber& s, std::int64_t now) override;
  void on_message(Subscriber& s, std::string_view text, std::int64_t now) override;
  void on_ended(Subscriber& s, const SubscriberEnding& ending) override;
  OpenOutcome open_pending(std::int64_t deadline_ns);

  EventLoop& loop_;
  CrowdSettings settings_;
  const JwtMinter& minter_;
  std::deque<SubscriberEnv> envs_;      // one per node; subscribers hold references to them
  std::deque<Subscriber> subscribers_;  // a deque never moves its elements: epoll holds pointers
  std::vector<Subscriber*> pending_;    // to be opened by open_pending
  std::size_t in_flight_ = 0, live_ = 0, failed_ = 0, dropped_ = 0;
  std::int64_t last_subscribed_ns_ = 0;
  std::map<std::string, std::size_t> endings_;
  LatencyHistogram subscribe_latency_;
  MessageListener* listener_ = nullptr;
};

}  // namespace loadgen
