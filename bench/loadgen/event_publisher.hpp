#pragma once
// Publishes benchmark events at a steady rate through POST /api/events. Every batch interval it
// sends what the schedule has due on an idle keep-alive connection; each event carries the time
// its request was written. A publisher that falls behind shows it as a lower achieved rate.
// With several nodes the connections alternate between them, and so do the batches.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "latency_histogram.hpp"
#include "publish_connection.hpp"

namespace loadgen {

struct PublisherSettings {
  std::vector<Target> targets;  // connection i posts to targets[i % targets.size()]
  std::string api_key;
  std::uint32_t orgs = 100;
  std::size_t connections = 4;
  std::size_t max_batch = 1000;  // the server's [publish].max_batch
  std::int64_t batch_interval_ns = 2'000'000;
};

struct PublishTally {
  std::uint64_t requests = 0;
  std::uint64_t events_sent = 0;
  std::uint64_t events_accepted = 0;           // answered 202
  std::uint64_t requests_refused = 0;          // any other status, or no answer
  std::vector<std::uint64_t> events_per_node;  // sent, by target
  std::string first_refusal;
  LatencyHistogram reply_latency;  // request written to 202 read
};

class EventPublisher final : private PublishReplySink {
 public:
  EventPublisher(EventLoop& loop, PublisherSettings settings);

  // A new schedule: `rate` events/s from start_ns until stop_ns, numbered from first_seq.
  void schedule(double rate, std::uint64_t first_seq, std::int64_t start_ns, std::int64_t stop_ns);
  // Sends what is due by `now`; call on every loop turn.
  void pump(std::int64_t now);
  // Events the schedule wants by stop_ns.
  std::uint64_t planned() const;
  bool settled() const;  // nothing in flight
  std::uint64_t next_seq() const { return first_seq_ + tally_.events_sent; }
  const PublishTally& tally() const { return tally_; }

 private:
  void on_reply(const PublishReply& reply, std::int64_t now) override;
  std::uint64_t due_by(std::int64_t now) const;
  // An idle connection's index: to the node after the last batch's when one of its is idle.
  std::optional<std::size_t> next_idle();

  EventLoop& loop_;
  PublisherSettings settings_;
  std::vector<std::unique_ptr<PublishConnection>> connections_;
  std::string body_, request_;
  double rate_ = 0;
  std::uint64_t first_seq_ = 0;
  std::int64_t start_ns_ = 0, stop_ns_ = 0, next_batch_ns_ = 0;
  std::size_t next_node_ = 0;
  PublishTally tally_;
};

}  // namespace loadgen
