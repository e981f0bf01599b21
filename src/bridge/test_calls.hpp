#pragma once
// Every browser test call of this process, by trackingId, and what they share: the provider,
// the event log, the worker threads a call can call home. Each call is also a session in the
// shared store, so a browser can attach on any node (protocol section 8): the node that
// attaches it claims the session and relays the call; a node that started it and never
// attached it lets it go.

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/jwt.hpp"
#include "bridge/test_call.hpp"

namespace voxgate {

class TestCalls {
 public:
  TestCalls(std::unique_ptr<VoiceProvider> provider, EventLog& log,
            std::vector<boost::asio::any_io_executor> workers, TestCallLimits limits = {},
            std::string node = "local");
  ~TestCalls();

  VoiceProvider& provider() { return *provider_; }
  EventLog& log() { return log_; }
  // The worker the next call will live on (round robin).
  boost::asio::any_io_executor next_home();

  // A place among `org`'s calls on this node, taken before the provider is asked for a call;
  // nullopt while the org has `limit` (0: no limit) going.
  std::optional<KeyedCounter::Slot> reserve(const std::string& org, std::size_t limit);
  // A call the provider just created: stored as a session, then `done` (on the log's thread)
  // with the call, which holds `place` until it ends, or null when the store failed.
  void add(TestCallInfo info, boost::asio::any_io_executor home, KeyedCounter::Slot place,
           std::function<void(std::shared_ptr<TestCall>)> done);
  // Null for an unknown or ended call, or one that is not this process's.
  std::shared_ptr<TestCall> find(const std::string& tracking_id);

  struct Attachable {
    std::shared_ptr<TestCall> call;  // null: refused with `refusal` as the close reason
    std::string refusal;
  };
  // The call `user` of `org` may attach a browser to here: this node's own, or one started on
  // another node, which this node then relays. `done` runs on the log's thread.
  void attachable(const std::string& tracking_id, const UserIdentity& user,
                  std::function<void(Attachable)> done);
  std::size_t size();

  // POST …/end for a call this node does not relay: recorded for the node that does, which
  // ends it within a second. `done(false)`: no such live call of this user. On the log's thread.
  void request_end(const std::string& tracking_id, const UserIdentity& user,
                   std::function<void(bool)> done);

  // Starts the once-a-second check of every call's limits on the first worker.
  void start_sweeps();

 private:
  void sweep();
  std::shared_ptr<TestCall> keep(TestCallInfo info, boost::asio::any_io_executor home);
  // A call that outlived the unattached limit here: the store says whether another node
  // attached it (forget it) or nobody did (it ends).
  void let_go_or_end(std::shared_ptr<TestCall> call);
  // Ends the calls this node relays whose end another node recorded.
  void end_requested_elsewhere();

  std::unique_ptr<VoiceProvider> provider_;
  EventLog& log_;
  std::vector<boost::asio::any_io_executor> workers_;
  TestCallLimits limits_;
  const std::string node_;  // this process, as the session's claimant
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<TestCall>> calls_;
  KeyedCounter calls_by_org_;  // [limits].test_calls_per_org
  std::size_t next_ = 0;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace voxgate
