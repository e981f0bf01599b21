#pragma once
// POST /api/webhooks/vapi (protocol section 4): Vapi's server messages become live events and
// call records.

#include "live/event_log.hpp"
#include "net/router.hpp"

namespace voxgate {

HttpRoute make_vapi_webhook_route(EventLog& log);

}  // namespace voxgate
