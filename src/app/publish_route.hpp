#pragma once
// POST /api/events: the platform's backend publishes call events (protocol section 3).

#include "live/event_log.hpp"
#include "net/router.hpp"

namespace voxgate {

HttpRoute make_publish_route(EventLog& log);

}  // namespace voxgate
