#pragma once
// Hands an upgraded connection over to its WebSocket route.

#include <string>

#include "net/router.hpp"
#include "net/server_context.hpp"
#include "net/worker.hpp"

namespace voxgate {

// Answers the handshake (the request was checked against routes, the origin policy and
// ws::check_upgrade) and runs the route's handler until the connection closes. `leftover` is
// what the client sent after its request, already read from the socket.
template <class Stream>
void start_websocket(Stream stream, std::string client_key, std::string leftover,
                     ServerContext& ctx, Worker& worker, const WsRoute& route,
                     SettingsPtr settings, ConnectionSlot slot, ConnectionInfo info);

}  // namespace voxgate
