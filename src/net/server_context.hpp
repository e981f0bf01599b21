#pragma once
// What every connection shares with the server: settings, routes, counters, the stop flag.

#include <atomic>
#include <cstddef>

#include "net/router.hpp"
#include "net/settings.hpp"
#include "ops/log_throttle.hpp"

namespace voxgate {

struct ServerContext {
  SettingsStore& settings;
  const Router& router;
  LogThrottle origin_log{std::chrono::seconds(10)};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open_connections{0};
};

// Counts a TCP connection from accept to close; moves from the HTTP session to the WebSocket.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(ServerContext& ctx) : ctx_(&ctx) { ctx.open_connections.fetch_add(1); }
  ConnectionSlot(ConnectionSlot&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (ctx_) ctx_->open_connections.fetch_sub(1);
  }

 private:
  ServerContext* ctx_ = nullptr;
};

}  // namespace voxgate
