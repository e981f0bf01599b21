#include "ws_frame.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "base64.hpp"

namespace loadgen {
namespace {

// Far above any event; a larger length means the stream is out of step.
constexpr std::uint64_t kMaxPayload = 64ull * 1024 * 1024;

std::uint8_t byte_at(std::string_view s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]);
}

}  // namespace

std::size_t parse_server_frame(std::string_view bytes, ServerFrame& out) {
  if (bytes.size() < 2) return 0;
  std::uint8_t b0 = byte_at(bytes, 0), b1 = byte_at(bytes, 1);
  if (b0 & 0x70) return kBadFrame;  // no extension was negotiated
  if (b1 & 0x80) return kBadFrame;  // a server never masks
  std::uint64_t length = b1 & 0x7F;
  std::size_t header = 2;
  if (length == 126) {
    if (bytes.size() < 4) return 0;
    length = std::uint64_t{byte_at(bytes, 2)} << 8 | byte_at(bytes, 3);
    header = 4;
  } else if (length == 127) {
    if (bytes.size() < 10) return 0;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = length << 8 | byte_at(bytes, i);
    header = 10;
  }
  if (length > kMaxPayload) return kBadFrame;
  if (bytes.size() - header < length) return 0;
  out.fin = b0 & 0x80;
  out.opcode = static_cast<Opcode>(b0 & 0x0F);
  out.payload = bytes.substr(header, length);
  return header + length;
}

void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask) {
  out += static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  std::uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(0x80 | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>(n >> shift & 0xFF);
  }
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                       static_cast<char>(mask >> 8), static_cast<char>(mask)};
  out.append(key, 4);
  std::size_t start = out.size();
  out += payload;
  for (std::size_t i = 0; i < n; ++i) out[start + i] ^= key[i & 3];
}

std::string websocket_accept_for(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr))
    throw std::runtime_error("SHA-1 failed");
  return base64({reinterpret_cast<const char*>(digest), len});
}

}  // namespace loadgen
