#pragma once
// /ws/live-calls: a dashboard's connection (protocol section 2).

#include <memory>

#include "net/ws_connection.hpp"

namespace voxgate {

std::unique_ptr<WsHandler> make_live_calls_handler();

}  // namespace voxgate
