#pragma once
// Every route voxgate serves, in one place.

#include "bridge/test_calls.hpp"
#include "live/event_broker.hpp"
#include "live/live_calls_session.hpp"
#include "net/router.hpp"

namespace voxgate {

struct Services {
  LiveServices live;
  EventBroker& broker;
  TestCalls& test_calls;
};

Router make_router(Services& services);

}  // namespace voxgate
