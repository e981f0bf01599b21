#pragma once
// RFC 6455 framing for the server side: parsing masked client frames and encoding unmasked
// server frames. voxgate frames WebSockets itself after the handshake so that idle
// connections hold no buffers and queued frames leave in one vectored write.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/utf8.hpp"

namespace voxgate::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA
};

// Close codes voxgate sends for protocol failures.
inline constexpr std::uint16_t kProtocolError = 1002;
inline constexpr std::uint16_t kInvalidPayload = 1007;
inline constexpr std::uint16_t kMessageTooBig = 1009;

inline constexpr std::size_t kMaxHeaderBytes = 10;      // server frames carry no mask
inline constexpr std::size_t kMaxControlPayload = 125;  // RFC 6455 5.5

// Writes a final, unmasked frame header for `payload_size` bytes; returns its length.
std::size_t encode_header(Opcode op, std::size_t payload_size, unsigned char out[kMaxHeaderBytes]);

// The payload of a close frame: the code in network order, then the reason cut to fit 125 bytes
// without splitting a UTF-8 sequence.
std::string close_payload(std::uint16_t code, std::string_view reason);

// Whether a peer may send this code in a close frame (RFC 6455 7.4 and the IANA registry).
bool valid_close_code(std::uint16_t code);

// What the parser hands over. Views point into the caller's buffer or the parser's message
// buffer and are valid only during the call.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void on_ws_message(std::string_view data, bool binary) = 0;
  virtual void on_ws_ping(std::string_view payload) = 0;
  virtual void on_ws_pong(std::string_view payload) {}
  // `code` is empty when the close frame carried no payload.
  virtual void on_ws_close(std::optional<std::uint16_t> code, std::string_view reason) = 0;
};

struct ProtocolFailure {
  std::uint16_t code;
  std::string_view reason;
};

class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message) : max_message_(max_message) {}

  // Parses complete frames from `data` (unmasking them in place) and reports them to `sink`;
  // returns the bytes consumed. Stops at the close frame, or at the first protocol failure.
  std::size_t parse(char* data, std::size_t size, FrameSink& sink);

  const std::optional<ProtocolFailure>& failure() const { return failure_; }
  bool closed() const { return closed_; }
  // Bytes the incomplete frame at the front of the input needs in total, 0 if unknown.
  std::size_t frame_bytes_needed() const { return needed_; }
  void set_max_message(std::size_t n) { max_message_ = n; }

 private:
  bool fail(std::uint16_t code, std::string_view reason);
  bool dispatch(Opcode op, bool fin, char* payload, std::size_t size, FrameSink& sink);

  std::size_t max_message_;
  std::size_t needed_ = 0;
  std::string message_;  // a fragmented message being assembled; empty (no capacity) otherwise
  Utf8Validator utf8_;
  bool in_message_ = false;
  bool message_binary_ = false;
  bool closed_ = false;
  std::optional<ProtocolFailure> failure_;
};

}  // namespace voxgate::ws
