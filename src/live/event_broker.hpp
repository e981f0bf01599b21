#pragma once
// Carries stored events between gateway nodes (protocol section 8). Each node's event log
// delivers to its own hub, in per-org id order; the broker only shares a node's committed events
// with the other nodes and hands theirs back. In one process there is nobody to share with.

#include <functional>
#include <string>
#include <string_view>

#include "live/live_hub.hpp"

namespace voxgate {

// What a broker reports to the event log; called from the broker's own threads.
struct BrokerEvents {
  // Events another node committed, in that node's commit order.
  std::function<void(DeliveryBatch)> remote;
  // Messages may have been missed (reconnected after an outage, dropped as a slow consumer):
  // the log catches up from the shared store.
  std::function<void()> resync;
};

class EventBroker {
 public:
  virtual ~EventBroker() = default;
  // Before the first share(); `events` stay in use until the broker is destroyed.
  virtual void start(BrokerEvents events) = 0;
  // This node's committed events, in commit order, for the other nodes. Never blocks on the
  // network: while disconnected the broker buffers what it can and the rest is caught up by
  // the other nodes' resync.
  virtual void share(DeliveryBatch own) = 0;
  virtual std::string_view name() const = 0;  // "in-process", "nats": shown by /ready
  virtual bool healthy() const = 0;           // false: /ready answers 503
  virtual std::string status() const = 0;     // one line for /ready and logs, e.g. "connected"
};

// The embedded default: one node, nothing to share.
class InProcessBroker final : public EventBroker {
 public:
  void start(BrokerEvents) override {}
  void share(DeliveryBatch) override {}
  std::string_view name() const override { return "in-process"; }
  bool healthy() const override { return true; }
  std::string status() const override { return "ok"; }
};

}  // namespace voxgate
