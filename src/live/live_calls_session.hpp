#pragma once
// /ws/live-calls: a dashboard's connection (protocol section 2).

#include <memory>

#include "live/event_log.hpp"
#include "live/live_hub.hpp"
#include "net/ws_connection.hpp"

namespace voxgate {

struct LiveServices {
  LiveHub& hub;
  EventLog& log;
};

std::unique_ptr<WsHandler> make_live_calls_handler(LiveServices& services);

}  // namespace voxgate
