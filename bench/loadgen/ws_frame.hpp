#pragma once
// The client side of RFC 6455 framing: masked frames out, unmasked server frames in.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace loadgen {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

struct ServerFrame {
  bool fin = false;
  Opcode opcode = Opcode::text;
  std::string_view payload;  // points into the parsed bytes
};

constexpr std::size_t kBadFrame = std::numeric_limits<std::size_t>::max();

// Parses one frame from the front of `bytes`: the bytes it used, 0 when the frame is not
// complete yet, or kBadFrame when it breaks the protocol (masked, reserved bits, oversized).
std::size_t parse_server_frame(std::string_view bytes, ServerFrame& out);

// Appends one final client frame; clients must mask every frame (RFC 6455 section 5.3).
void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask);

// The Sec-WebSocket-Accept value a server must answer to `key`.
std::string websocket_accept_for(std::string_view key);

}  // namespace loadgen
