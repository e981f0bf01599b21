#pragma once
// Vapi webhook traffic at a steady rate: many concurrent calls, each stepping through its
// CallScript, spread over orgs; each message is one signed POST /api/webhooks/vapi on an idle
// keep-alive connection. A call has at most one message in flight, so its messages reach the
// server in order; calls are served in turn, and a call that ended is replaced by a new one.
// A share of the messages are repeats of a delivery already answered (a Vapi retry), sent ahead
// of the other calls' turns, which voxgate must answer 200 {"duplicate":true}.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_call_id.hpp"
#include "call_script.hpp"
#include "fast_random.hpp"
#include "latency_histogram.hpp"
#include "publish_connection.hpp"
#include "webhook_signer.hpp"

namespace loadgen {

struct TrafficSettings {
  Target target;
  std::string secret;  // [vapi] webhook_secret
  std::uint32_t orgs = 50;
  std::size_t connections = 32;
  std::size_t calls = 1000;  // concurrent calls
  CallScript script;
  double repeat_share = 0.02;  // of the messages sent
};

// What the answers of one schedule said, and how long they took.
struct AnswerTally {
  std::uint64_t sent = 0, repeats_sent = 0, bytes_sent = 0;  // bytes: request bodies
  std::uint64_t stored = 0;                                  // 200 with "ids"
  std::uint64_t duplicate = 0;                               // 200 with "duplicate":true
  std::uint64_t other = 0;                   // anything else, or no answer (connection failed)
  std::uint64_t false_duplicates = 0;        // a first delivery answered "duplicate"
  std::uint64_t missed_repeats = 0;          // a repeat stored a second time
  std::uint64_t event_mismatch = 0;          // "ids" not as many as the message makes live events
  std::uint64_t wrong_org = 0;               // a stored answer naming another org
  std::uint64_t calls_ended = 0;             // end-of-call reports stored
  std::vector<std::uint64_t> events_by_org;  // live events announced by stored answers
  std::string first_other;
  std::int64_t max_lag_ns = 0;              // the latest any message left against its schedule
  LatencyHistogram latency;                 // request written to answer read, every answer
  std::array<LatencyHistogram, 3> by_kind;  // first deliveries, by MessageKind
  LatencyHistogram repeats;
};

class WebhookTraffic final : private PublishReplySink {
 public:
  WebhookTraffic(EventLoop& loop, TrafficSettings settings);

  // A new schedule: `rate` messages/s from start_ns until stop_ns; clears the tally.
  void schedule(double rate, std::int64_t start_ns, std::int64_t stop_ns);
  // Sends what the schedule has due by `now`, as far as connections and calls are free.
  void pump(std::int64_t now);
  std::size_t in_flight() const;
  const AnswerTally& tally() const { return tally_; }
  std::uint32_t run_id() const { return run_id_; }
  // When the latest message of this call that makes live events was written, while the call
  // is still the one in its slot.
  std::optional<std::int64_t> events_sent_ns(const CallRef& call) const;

 private:
  struct Slot {
    BenchCall call;
    int next = 0;                 // script index of the next message
    std::int64_t last_ts_ms = 0;  // message.timestamp of the latest message
    std::int64_t events_sent_ns = 0;
    bool busy = false, repeat_due = false;
  };

  void on_reply(const PublishReply& reply, std::int64_t now) override;
  void begin_call(std::uint32_t slot_index, int first_message);
  PublishConnection* idle_connection();
  Slot* next_call();
  void send(PublishConnection& connection, std::uint32_t slot_index);
  void judge_stored(const Slot& slot, MessageKind kind, bool repeat, std::string_view body);

  EventLoop& loop_;
  TrafficSettings settings_;
  WebhookSigner signer_;
  FastRandom random_;
  std::uint32_t run_id_;
  std::vector<std::unique_ptr<PublishConnection>> connections_;
  std::vector<Slot> slots_;
  std::deque<std::uint32_t> repeats_due_;  // slots whose next message is a repeat, oldest first
  std::size_t next_connection_ = 0, next_slot_ = 0;
  std::uint64_t next_call_number_ = 0;
  std::string body_, request_, signature_, timestamp_, org_field_;
  double rate_ = 0;
  std::int64_t start_ns_ = 0, stop_ns_ = 0;
  AnswerTally tally_;
};

}  // namespace loadgen
