#pragma once
// The gateway as `serve` assembles it (settings, SQLite store, event log, hub, test calls,
// router), without sockets or worker threads: the fuzz target's own thread is the one worker
// and runs its handlers between inputs. Built once per process.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "app/routes.hpp"
#include "bridge/test_calls.hpp"
#include "live/event_broker.hpp"
#include "live/event_log.hpp"
#include "live/live_hub.hpp"
#include "net/router.hpp"
#include "net/settings.hpp"

namespace voxgate::fuzz {

// What the seeds authenticate with; tokens are HS256 for user-1 of org-1, valid until 2100.
inline constexpr std::string_view kApiKey = "fuzz-api-key-0123456789";
inline constexpr std::string_view kWebhookBearer = "vx-bearer-fuzz-1234";
inline constexpr std::string_view kOrg = "org-1";

class Gateway {
 public:
  static Gateway& get();

  const SettingsPtr& settings() const { return settings_; }
  const Router& router() const { return router_; }
  EventLog& log() { return *log_; }
  LiveServices& live() { return services_->live; }
  boost::asio::io_context& worker() { return worker_; }

  // Runs the worker's ready handlers and waits for the event log to finish what is queued,
  // until `done` holds or nothing more happens. False when `done` never came.
  bool settle(const std::function<bool()>& done = [] { return false; });

 private:
  Gateway();

  boost::asio::io_context worker_;
  SettingsPtr settings_;
  std::unique_ptr<LiveHub> hub_;
  KeyedCounter user_connections_;
  InProcessBroker broker_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<TestCalls> test_calls_;
  std::unique_ptr<Services> services_;
  Router router_;
};

}  // namespace voxgate::fuzz
