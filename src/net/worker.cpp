#include "net/worker.hpp"

#include <boost/asio/post.hpp>

namespace voxgate {

namespace {
constexpr auto kSweepPeriod = std::chrono::milliseconds(500);
}

Worker::Worker(std::size_t index) : index_(index), sweep_(ioc_) {}

std::size_t Worker::session_count() const {
  return sessions_.size();
}

void Worker::start() {
  schedule_sweep();
  thread_ = std::thread([this] { ioc_.run(); });
}

void Worker::schedule_sweep() {
  sweep_.expires_after(kSweepPeriod);
  sweep_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    auto now = SteadyClock::now();
    // A session may unlink itself while we walk, so step before calling it.
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it++;
      s.on_sweep(now);
    }
    schedule_sweep();
  });
}

void Worker::shutdown_sessions() {
  boost::asio::post(ioc_, [this] {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it++;
      s.on_shutdown();
    }
  });
}

void Worker::stop() {
  boost::asio::post(ioc_, [this] {
    stopping_ = true;
    sweep_.cancel();
  });
  ioc_.stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

WorkerPool::WorkerPool(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) workers_.push_back(std::make_unique<Worker>(i));
}

WorkerPool::~WorkerPool() {
  stop_and_join();
}

void WorkerPool::start() {
  for (auto& w : workers_) w->start();
}

void WorkerPool::stop_and_join() {
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
}

}  // namespace voxgate
