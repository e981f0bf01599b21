#pragma once
// What every connection shares with the server: settings, routes, counters, the stop flag.

#include <atomic>
#include <cstddef>

#include "limits/keyed_counter.hpp"
#include "limits/keyed_rate.hpp"
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
  KeyedCounter connections_by_client{};   // [limits].connections_per_ip
  KeyedRate new_connections_by_client{};  // [limits].connection_rate_per_ip
};

// Counts a TCP connection from accept to close; moves from the HTTP session to the WebSocket.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(ServerContext& ctx) : ctx_(&ctx) { ctx.open_connections.fetch_add(1); }
  ConnectionSlot(ConnectionSlot&& o) noexcept : ctx_(o.ctx_), client_(std::move(o.client_)) {
    o.ctx_ = nullptr;
  }
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    client_.release();
    if (ctx_) ctx_->open_connections.fetch_sub(1);
  }

  // The connection also counts for its client address from now on, until it closes.
  void hold_client(KeyedCounter::Slot client) { client_ = std::move(client); }
  bool holds_client() const { return client_.held(); }

 private:
  ServerContext* ctx_ = nullptr;
  KeyedCounter::Slot client_;
};

}  // namespace voxgate
