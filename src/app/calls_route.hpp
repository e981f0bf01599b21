#pragma once
// GET /api/calls and GET /api/calls/<vapiCallId> (protocol section 8): an org's call history,
// read with the user's JWT.

#include "live/event_log.hpp"
#include "net/router.hpp"

namespace voxgate {

std::vector<HttpRoute> make_calls_routes(EventLog& log);

}  // namespace voxgate
