#pragma once
// Carries stored events to the subscribers of every gateway node. In one process that is the
// LiveHub itself; across nodes (protocol section 8) a message bus that every node's hub listens to.

#include <string_view>

#include "live/live_hub.hpp"

namespace voxgate {

class EventBroker {
 public:
  virtual ~EventBroker() = default;
  // Called by the event log in commit order, after the batch is stored.
  virtual void publish(DeliveryBatch batch) = 0;
  virtual std::string_view name() const = 0;  // "in-process": shown by /ready
  virtual bool healthy() const = 0;           // false: /ready answers 503
};

// The embedded default: the events go straight to this process's hub.
class InProcessBroker final : public EventBroker {
 public:
  explicit InProcessBroker(LiveHub& hub) : hub_(hub) {}
  void publish(DeliveryBatch batch) override { hub_.publish(std::move(batch)); }
  std::string_view name() const override { return "in-process"; }
  bool healthy() const override { return true; }

 private:
  LiveHub& hub_;
};

}  // namespace voxgate
