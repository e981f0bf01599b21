#include "bridge/test_calls.hpp"

namespace voxgate {

TestCalls::TestCalls(std::unique_ptr<VoiceProvider> provider, EventLog& log,
                     std::vector<boost::asio::any_io_executor> workers, TestCallLimits limits)
    : provider_(std::move(provider)), log_(log), workers_(std::move(workers)), limits_(limits) {}

TestCalls::~TestCalls() = default;

boost::asio::any_io_executor TestCalls::next_home() {
  std::lock_guard lock(mu_);
  return workers_[next_++ % workers_.size()];
}

std::shared_ptr<TestCall> TestCalls::add(TestCallInfo info, boost::asio::any_io_executor home) {
  auto call = std::make_shared<TestCall>(info, std::move(home), *provider_, log_, limits_);
  std::lock_guard lock(mu_);
  calls_[info.tracking_id] = call;
  return call;
}

std::shared_ptr<TestCall> TestCalls::find(const std::string& tracking_id) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(tracking_id);
  if (it == calls_.end() || it->second->ended()) return nullptr;
  return it->second;
}

std::size_t TestCalls::size() {
  std::lock_guard lock(mu_);
  return calls_.size();
}

void TestCalls::start_sweeps() {
  timer_ = std::make_unique<boost::asio::steady_timer>(workers_.front());
  sweep();
}

void TestCalls::sweep() {
  std::vector<std::shared_ptr<TestCall>> calls;
  {
    std::lock_guard lock(mu_);
    // Ended calls leave the table: attaching to one answers like an unknown id.
    std::erase_if(calls_, [](const auto& entry) { return entry.second->ended(); });
    for (auto& [id, call] : calls_) calls.push_back(call);
  }
  auto now = SteadyClock::now();
  for (auto& call : calls) call->check(now);
  timer_->expires_after(std::chrono::seconds(1));
  timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

}  // namespace voxgate
