#pragma once
// One /ws/live-calls client: TCP connect, HTTP/1.1 upgrade, subscribe with a JWT, then events.
// It holds no buffer while idle; partial frames wait in a string that is empty otherwise.

#include <cstdint>
#include <string>
#include <string_view>

#include "event_loop.hpp"
#include "fast_random.hpp"
#include "tcp.hpp"
#include "ws_frame.hpp"

namespace loadgen {

class Subscriber;

// Why a subscriber stopped; `detail` names the close code, HTTP status or errno.
struct SubscriberEnding {
  enum class Kind { connect_failed, upgrade_refused, closed_by_server, connection_lost, protocol };
  Kind kind;
  std::string detail;
  bool was_live = false;  // it had been subscribed: a drop, not a failed open
};

// What the scenario learns from its subscribers.
class SubscriberSink {
 public:
  virtual void on_subscribed(Subscriber& s, std::int64_t now) = 0;
  virtual void on_message(Subscriber& s, std::string_view text, std::int64_t now) = 0;
  virtual void on_ended(Subscriber& s, const SubscriberEnding& ending) = 0;

 protected:
  ~SubscriberSink() = default;
};

// What all subscribers share; one per crowd.
struct SubscriberEnv {
  SubscriberEnv(EventLoop& l, Target t, std::string p, SubscriberSink& s)
      : loop(l), target(std::move(t)), path(std::move(p)), sink(s) {}

  EventLoop& loop;
  Target target;
  std::string path;
  SubscriberSink& sink;
  FastRandom random;
  std::string scratch;  // frames are assembled here before the write
};

class Subscriber final : public Pollable {
 public:
  enum class State : std::uint8_t { idle, connecting, upgrading, subscribing, live, ended };

  Subscriber(SubscriberEnv& env, std::uint32_t org, std::string token)
      : env_(env), org_(org), token_(std::move(token)) {}
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  void open(std::int64_t now);
  void on_ready(std::uint32_t events) override;
  // Drops the connection at once with no callback: the end of a measurement.
  void abort();

  State state() const { return state_; }
  std::uint32_t org() const { return org_; }
  std::int64_t opened_at() const { return opened_at_; }

 private:
  // Builds the upgrade request (a fresh key) in the shared scratch string.
  const std::string& upgrade_request();
  void send_frame(Opcode opcode, std::string_view payload);
  void send_bytes(std::string_view bytes);
  void flush();
  void read_available();
  void consume(std::string_view bytes, std::int64_t now);
  std::size_t take_upgrade_reply(std::string_view bytes);
  std::size_t take_frames(std::string_view bytes, std::int64_t now);
  void on_frame(Opcode opcode, std::string_view payload, std::int64_t now);
  void on_text(std::string_view text, std::int64_t now);
  void end(SubscriberEnding::Kind kind, std::string detail);

  SubscriberEnv& env_;
  int fd_ = -1;
  State state_ = State::idle;
  Opcode message_opcode_ = Opcode::text;
  std::uint32_t org_;
  std::int64_t opened_at_ = 0;
  std::string token_;
  std::string key_;        // Sec-WebSocket-Key until the upgrade is answered
  std::string inbox_;      // bytes of a frame not complete yet
  std::string outbox_;     // bytes the socket did not take yet
  std::string fragments_;  // a fragmented message being reassembled
};

}  // namespace loadgen
