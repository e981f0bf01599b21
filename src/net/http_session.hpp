#pragma once
// Reads HTTP requests on a fresh connection and either answers them or hands the
// connection to a WebSocket route after the origin policy allowed it.

#include <boost/asio/ssl/context.hpp>

#include "net/server_context.hpp"
#include "net/streams.hpp"
#include "net/worker.hpp"

namespace voxgate {

// Runs on `worker`'s thread. `tls` is null for plain TCP.
void start_http_session(PlainStream socket, ConnectionSlot slot, ServerContext& ctx, Worker& worker,
                        boost::asio::ssl::context* tls);

}  // namespace voxgate
