#pragma once
// Every browser test call of this process, by trackingId, and what they share: the provider,
// the event log, the worker threads a call can call home.

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bridge/test_call.hpp"

namespace voxgate {

class TestCalls {
 public:
  TestCalls(std::unique_ptr<VoiceProvider> provider, EventLog& log,
            std::vector<boost::asio::any_io_executor> workers, TestCallLimits limits = {});
  ~TestCalls();

  VoiceProvider& provider() { return *provider_; }
  EventLog& log() { return log_; }
  // The worker the next call will live on (round robin).
  boost::asio::any_io_executor next_home();

  std::shared_ptr<TestCall> add(TestCallInfo info, boost::asio::any_io_executor home);
  // Null for an unknown or ended call.
  std::shared_ptr<TestCall> find(const std::string& tracking_id);
  std::size_t size();

  // Starts the once-a-second check of every call's limits on the first worker.
  void start_sweeps();

 private:
  void sweep();

  std::unique_ptr<VoiceProvider> provider_;
  EventLog& log_;
  std::vector<boost::asio::any_io_executor> workers_;
  TestCallLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<TestCall>> calls_;
  std::size_t next_ = 0;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace voxgate
