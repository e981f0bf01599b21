#pragma once
// Shares committed events between gateway nodes over one NATS subject (core NATS, no
// JetStream): a lost message costs the receiver a store read, never an event, so the broker
// favours staying up over delivering everything.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "live/event_broker.hpp"
#include "ops/log_throttle.hpp"

// nats.c's handles (nats/nats.h), so the C header stays out of the callers.
typedef struct __natsConnection natsConnection;
typedef struct __natsSubscription natsSubscription;

namespace voxgate {

struct NatsBrokerSettings {
  std::string url;  // nats://[user:pass@]host:port; a comma-separated list for a cluster
  std::string subject = "voxgate.events";
  std::string node_id;  // this node's messages come back to it and are ignored by this id
  std::chrono::milliseconds reconnect_wait{500};
  std::chrono::milliseconds connect_timeout{5000};
};

class NatsBroker final : public EventBroker {
 public:
  // nullptr with `error` naming the URL when the settings cannot work (malformed URL, no node
  // id). A server that is down is not an error: the broker connects when it comes up.
  static std::unique_ptr<NatsBroker> connect(const NatsBrokerSettings& settings,
                                             std::string& error);
  // Returns once nats.c runs no more of its callbacks; so never from inside one of them.
  ~NatsBroker() override;

  NatsBroker(const NatsBroker&) = delete;
  NatsBroker& operator=(const NatsBroker&) = delete;

  void start(BrokerEvents events) override;
  void share(DeliveryBatch own) override;
  std::string_view name() const override { return "nats"; }
  bool healthy() const override;
  std::string status() const override;

 private:
  enum class Link { connecting, connected, reconnecting, closed };

  explicit NatsBroker(NatsBrokerSettings settings);

  // nats.c callbacks; connection events arrive on the library's one callback thread, messages
  // on the subscription's own thread.
  void on_message(std::string_view bytes);
  void on_connected(natsConnection* nc, bool first);
  void on_disconnected();
  void on_closed();
  void on_async_error(int status);  // a natsStatus
  void on_subscription_done();

  void publish_loop();
  void publish(const std::vector<Delivery>& batch);
  void resync(std::string_view why);

  const NatsBrokerSettings settings_;
  const std::string shown_url_;  // the URL without credentials, for logs

  natsConnection* connection_ = nullptr;
  natsSubscription* subscription_ = nullptr;
  BrokerEvents events_;
  std::atomic<bool> started_{false};  // events_ is set; read by the callback threads
  std::atomic<bool> closing_{false};
  std::atomic<Link> link_{Link::connecting};

  // The destructor waits for nats.c's last callbacks before the members go away.
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool closed_ = false;
  bool subscription_done_ = false;

  // share() only queues: nats.c writes to the socket on the publishing thread, and that can
  // block while the server or the network is slow.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<DeliveryBatch> queue_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::thread publisher_;

  LogThrottle log_throttle_{std::chrono::seconds(10)};
};

}  // namespace voxgate
