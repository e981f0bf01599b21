#pragma once
// One event loop on one thread; every connection lives on exactly one worker, so a
// connection's state needs no locks. Timeouts are checked by one sweep per worker instead
// of a timer per connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <thread>

#include "net/session.hpp"

namespace voxgate {

class Worker {
 public:
  Worker();
  boost::asio::io_context& context() { return ioc_; }
  boost::asio::io_context::executor_type executor() { return ioc_.get_executor(); }

  // Only from this worker's thread.
  void add(Session& s) { sessions_.push_back(s); }
  std::size_t session_count() const;

  void start();                // runs the loop on a new thread
  void shutdown_sessions();    // posts on_shutdown to every session
  void stop();                 // ends the loop
  void join();

 private:
  void schedule_sweep();

  boost::asio::io_context ioc_{1};
  boost::asio::steady_timer sweep_;
  SessionList sessions_;
  std::thread thread_;
  bool stopping_ = false;
};

}  // namespace voxgate
