#pragma once
// A WebSocket route's view of its connection and the handler it supplies, in the spirit of
// uWebSockets: the route writes open/message/close logic and never sees the stream type.

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/session.hpp"
#include "net/settings.hpp"

namespace voxgate {

// One encoded message shared by every recipient: fan-out never copies the bytes.
using SharedPayload = std::shared_ptr<const std::string>;

struct ConnectionInfo {
  std::string remote;  // "ip:port"
  std::string origin;  // as sent, empty when absent
  std::string path;    // request path without the query
  std::string route;   // metric label of the route
};

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  virtual ~WsConnection() = default;

  // All calls on the connection's own executor (its worker thread).
  virtual void send(SharedPayload payload, bool binary) = 0;
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  virtual std::size_t queued_bytes() const = 0;
  virtual boost::asio::any_io_executor executor() = 0;
  // Writes what is queued now; sends inside a SendBatch wait for this.
  virtual void flush() = 0;

  const ConnectionInfo& info() const { return info_; }
  std::size_t worker_index() const { return worker_; }
  const Settings& settings() const { return *settings_; }

  void send_text(std::string text) {
    send(std::make_shared<const std::string>(std::move(text)), false);
  }

 protected:
  ConnectionInfo info_;
  SettingsPtr settings_;    // the config this connection was opened under
  std::size_t worker_ = 0;  // the worker whose thread runs this connection
};

// While one is alive on a worker thread, send() only queues; when the outermost ends, each
// connection that got frames writes them all in one vectored write (uWebSockets' cork).
class SendBatch {
 public:
  SendBatch();
  ~SendBatch();
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  // True inside a batch: the caller queues and registers with defer().
  static bool active();
  static void defer(std::shared_ptr<WsConnection> c);
};

class WsHandler {
 public:
  virtual ~WsHandler() = default;
  virtual void on_open(WsConnection& c) {}
  // `data` is only valid during the call.
  virtual void on_message(WsConnection& c, std::string_view data, bool binary) = 0;
  // Called by the worker's sweep: the place for per-connection deadlines.
  virtual void on_sweep(WsConnection& c, SteadyTime now) {}
  // The send queue emptied: a handler pacing a long answer sends its next part.
  virtual void on_drain(WsConnection& c) {}
  virtual void on_close(WsConnection& c) {}
};

}  // namespace voxgate
