#pragma once
// One browser test call (protocol section 5): the provider's call, the browser attached to it,
// and the relay between them. Every step runs on the call's home worker thread, chosen when
// the call is created; other threads post to it.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bridge/voice_provider.hpp"
#include "limits/keyed_counter.hpp"
#include "live/event_log.hpp"
#include "net/session.hpp"

namespace voxgate {

struct TestCallInfo {
  std::string tracking_id;
  std::string user_id;
  std::string org_id;
  std::string assistant_id;
  ProviderCall call;
};

// Limits of section 5 item 5.
struct TestCallLimits {
  std::chrono::milliseconds unattached{10 * 60 * 1000};
  std::chrono::milliseconds call{15 * 60 * 1000};
  std::size_t upstream_queue_bytes = 2 * 1024 * 1024;  // audio above it is dropped
  std::size_t browser_queue_bytes = 2 * 1024 * 1024;
};

class TestCall final : public UpstreamHandler, public std::enable_shared_from_this<TestCall> {
 public:
  TestCall(TestCallInfo info, boost::asio::any_io_executor home, VoiceProvider& provider,
           EventLog& log, TestCallLimits limits);

  const TestCallInfo& info() const { return info_; }
  // The call's place among its org's calls ([limits].test_calls_per_org), given back when it ends.
  void hold_org_place(KeyedCounter::Slot place) { org_place_ = std::move(place); }
  bool ended() const { return ended_.load(); }
  bool attached_here() const { return attached_once_.load(); }  // a browser attached on this node

  // Once, when the provider created the call: stores it under the owner's org (so the
  // provider's webhooks for it find the org) and publishes call_status "connecting".
  void announce();
  // From any thread. A browser that authenticated as the owner: it replaces any other.
  void attach(std::shared_ptr<WsConnection> browser);
  // A frame from `browser` (ignored unless it is the attached one).
  void from_browser(const WsConnection* browser, SharedPayload payload, bool binary);
  // The browser's connection closed: the call ends unless another browser replaced it.
  void browser_gone(const WsConnection* browser);
  // Ends the call: end-call to the provider, both sides closed. `reason` is call_ended's.
  void end(std::string reason, std::string browser_close_reason = "Session ended");
  // Enforces the whole-call limit.
  void check(SteadyTime now);
  // No browser attached here within the unattached limit (TestCalls decides what follows).
  bool unattached_too_long(SteadyTime now) const;

  // UpstreamHandler, on the home thread.
  void on_upstream_open() override;
  void on_upstream_message(std::string_view data, bool binary) override;
  void on_upstream_closed(std::string reason) override;

 private:
  template <class F>
  void at_home(F f);
  void to_browser(SharedPayload payload, bool binary);
  void close_browser(const std::shared_ptr<WsConnection>& browser, std::uint16_t code,
                     std::string reason);
  void finish(std::string reason, std::string close_reason);
  void publish(std::vector<boost::json::object> events, CallUpdate update);
  // A call_status event with `status`, and the call record's status set to it.
  void publish_status(std::string_view status, CallUpdate update);

  TestCallInfo info_;
  boost::asio::any_io_executor home_;
  VoiceProvider& provider_;
  EventLog& log_;
  TestCallLimits limits_;
  const SteadyTime created_ = SteadyClock::now();
  std::atomic<bool> ended_{false};
  std::atomic<bool> attached_once_{false};

  // Home thread only.
  std::weak_ptr<WsConnection> browser_;
  const WsConnection* browser_id_ = nullptr;
  boost::asio::any_io_executor browser_exec_;
  std::shared_ptr<Upstream> upstream_;
  bool upstream_open_ = false;
  SteadyTime attached_at_{};
  std::string provider_ended_reason_;  // from the provider's status-update "ended"
  KeyedCounter::Slot org_place_;
};

}  // namespace voxgate
