#pragma once
// /api/web-voice/<trackingId>: a browser test call's connection (protocol section 5).

#include <memory>
#include <string_view>

#include "bridge/test_calls.hpp"
#include "limits/keyed_counter.hpp"
#include "net/ws_connection.hpp"

namespace voxgate {

// `users`: each user's open sockets, for [limits].connections_per_user.
std::unique_ptr<WsHandler> make_web_voice_handler(std::string_view path, TestCalls& calls,
                                                  KeyedCounter& users);

}  // namespace voxgate
