#pragma once
// Every route voxgate serves, in one place.

#include "live/live_calls_session.hpp"
#include "net/router.hpp"

namespace voxgate {

struct Services {
  LiveServices live;
};

Router make_router(Services& services);

}  // namespace voxgate
