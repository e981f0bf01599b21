#pragma once
// One HTTP/1.1 keep-alive connection for POST requests (/api/events, /api/webhooks/vapi), one
// request at a time. Each request carries the caller's tag, handed back with its answer.

#include <cstdint>
#include <string>
#include <string_view>

#include "event_loop.hpp"
#include "tcp.hpp"

namespace loadgen {

struct PublishReply {
  int status = 0;         // 0: the connection failed before an answer
  std::uint64_t tag = 0;  // the caller's, from post() (the publisher: events in the request)
  std::int64_t sent_ns = 0;
  std::string_view body;  // valid during the callback only
};

class PublishReplySink {
 public:
  virtual void on_reply(const PublishReply& reply, std::int64_t now) = 0;

 protected:
  ~PublishReplySink() = default;
};

class PublishConnection final : public Pollable {
 public:
  PublishConnection(EventLoop& loop, const Target& target, PublishReplySink& sink)
      : loop_(loop), target_(target), sink_(sink) {}
  ~PublishConnection();
  PublishConnection(const PublishConnection&) = delete;
  PublishConnection& operator=(const PublishConnection&) = delete;

  bool busy() const { return busy_; }
  const Target& target() const { return target_; }
  // Sends a complete request; dials first when the connection is down.
  void post(std::string_view request, std::uint64_t tag, std::int64_t now);
  void on_ready(std::uint32_t events) override;

 private:
  void write_pending();
  void read_available();
  bool take_reply(std::int64_t now);
  void fail(std::int64_t now);

  EventLoop& loop_;
  const Target& target_;
  PublishReplySink& sink_;
  int fd_ = -1;
  bool connecting_ = false, busy_ = false, watching_out_ = false;
  std::uint64_t tag_ = 0;
  std::int64_t sent_ns_ = 0;
  std::string outbox_, inbox_;
};

}  // namespace loadgen
