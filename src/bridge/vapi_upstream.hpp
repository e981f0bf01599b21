#pragma once
// A Vapi call's audio socket (vapi.websocket transport): a WebSocket client that relays
// frames both ways and keeps frames in order in its write queue.

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "bridge/provider_transport.hpp"
#include "bridge/voice_provider.hpp"

namespace voxgate {

// Largest message accepted from the provider (its JSON can carry a whole conversation).
inline constexpr std::size_t kUpstreamMessageLimit = 4 * 1024 * 1024;
// Without any frame from the provider for this long (a ping is sent at half), the socket
// is taken for dead.
inline constexpr Millis kUpstreamIdleTimeout{30'000};

// Connects to `call.websocket_url` (wss, or ws to loopback) with the API key as bearer token.
// Everything runs on `executor`, which must be one thread or a strand; so must every call on
// the returned Upstream. Dropping the returned Upstream closes the socket as close() does.
std::shared_ptr<Upstream> open_vapi_upstream(std::shared_ptr<const ProviderAccess> access,
                                             const ProviderCall& call,
                                             boost::asio::any_io_executor executor,
                                             std::weak_ptr<UpstreamHandler> handler);

}  // namespace voxgate
