#pragma once
// POST /api/web-voice/start and POST /api/web-voice/<trackingId>/end (protocol section 5).

#include <vector>

#include "bridge/test_calls.hpp"
#include "net/router.hpp"

namespace voxgate {

std::vector<HttpRoute> make_web_voice_routes(TestCalls& calls);

}  // namespace voxgate
