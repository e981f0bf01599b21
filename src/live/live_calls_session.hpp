#pragma once
// /ws/live-calls: a dashboard's connection (protocol section 2).

#include <memory>

#include "limits/keyed_counter.hpp"
#include "live/event_log.hpp"
#include "live/live_hub.hpp"
#include "net/ws_connection.hpp"

namespace voxgate {

struct LiveServices {
  LiveHub& hub;
  EventLog& log;
  KeyedCounter& users;  // each user's open live-calls and test-call sockets on this node
};

std::unique_ptr<WsHandler> make_live_calls_handler(LiveServices& services);

}  // namespace voxgate
