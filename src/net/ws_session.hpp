#pragma once
// Hands an upgraded connection over to its WebSocket route.

#include "net/http.hpp"
#include "net/router.hpp"
#include "net/server_context.hpp"
#include "net/worker.hpp"

namespace voxgate {

// Completes the handshake for `req` (already checked against routes and the origin policy)
// and runs the route's handler until the connection closes.
template <class Stream>
void start_websocket(Stream stream, HttpRequest req, ServerContext& ctx, Worker& worker,
                     const WsRoute& route, SettingsPtr settings, ConnectionSlot slot,
                     ConnectionInfo info);

}  // namespace voxgate
