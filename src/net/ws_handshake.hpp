#pragma once
// The server half of the RFC 6455 opening handshake, checked before a route's connection opens.

#include <optional>
#include <string>
#include <string_view>

#include "net/http.hpp"

namespace voxgate::ws {

// Why an upgrade request is refused: the status, the one-line body, and for a version
// mismatch the `Sec-WebSocket-Version` the client should use.
struct HandshakeRefusal {
  http::status status;
  std::string body;
  bool wants_version_header = false;
};

// Checks what Beast's is_upgrade() leaves open: version 13 and a 16-byte base64 key.
std::optional<HandshakeRefusal> check_upgrade(const HttpRequest& req);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string accept_key(std::string_view client_key);

// The complete 101 response to write before the first frame.
std::string switching_protocols_response(std::string_view client_key);

}  // namespace voxgate::ws
