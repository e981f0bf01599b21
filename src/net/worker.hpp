#pragma once
// One event loop on one thread; every connection lives on exactly one worker, so a
// connection's state needs no locks. Timeouts are checked by one sweep per worker instead
// of a timer per connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "net/session.hpp"

namespace voxgate {

class Worker {
 public:
  explicit Worker(std::size_t index);
  std::size_t index() const { return index_; }
  boost::asio::io_context& context() { return ioc_; }
  boost::asio::io_context::executor_type executor() { return ioc_.get_executor(); }

  // Only from this worker's thread.
  void add(Session& s) { sessions_.push_back(s); }
  std::size_t session_count() const;

  void start();              // runs the loop on a new thread
  void shutdown_sessions();  // posts on_shutdown to every session
  void stop();               // ends the loop
  void join();

 private:
  void schedule_sweep();

  std::size_t index_;
  boost::asio::io_context ioc_{1};
  boost::asio::steady_timer sweep_;
  SessionList sessions_;
  std::thread thread_;
  bool stopping_ = false;
};

// The workers of one process, one per core unless configured otherwise.
class WorkerPool {
 public:
  explicit WorkerPool(std::size_t count);
  ~WorkerPool();
  std::size_t size() const { return workers_.size(); }
  Worker& at(std::size_t i) { return *workers_[i]; }
  void start();
  void stop_and_join();

 private:
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace voxgate
