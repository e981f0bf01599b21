#pragma once
// /ws/echo: returns every message unchanged, so RFC 6455 suites can test voxgate's stack.

#include <memory>

#include "net/ws_connection.hpp"

namespace voxgate {

std::unique_ptr<WsHandler> make_echo_handler();

}  // namespace voxgate
