#include "net/ws_frame.hpp"

#include <cstring>

namespace voxgate::ws {
namespace {

void unmask(char* data, std::size_t size, const unsigned char key[4]) {
  // Eight bytes at a time: the payload is usually larger than a few words.
  std::uint64_t key8;
  unsigned char k[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::memcpy(&key8, k, 8);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key8;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ key[i % 4]);
}

bool is_control(Opcode op) {
  return static_cast<std::uint8_t>(op) & 0x8;
}

bool known_opcode(std::uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

}  // namespace

std::size_t encode_header(Opcode op, std::size_t payload_size, unsigned char out[kMaxHeaderBytes]) {
  out[0] = static_cast<unsigned char>(0x80 | static_cast<std::uint8_t>(op));
  if (payload_size < 126) {
    out[1] = static_cast<unsigned char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(payload_size >> 8);
    out[3] = static_cast<unsigned char>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] =
        static_cast<unsigned char>(static_cast<std::uint64_t>(payload_size) >> (56 - 8 * i));
  return 10;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::size_t keep = std::min(reason.size(), kMaxControlPayload - 2);
  // Never end inside a multi-byte sequence: back up over continuation bytes.
  if (keep < reason.size())
    while (keep > 0 && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
  std::string out;
  out.reserve(2 + keep);
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason.substr(0, keep));
  return out;
}

bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;  // libraries and applications
  switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012:
    case 1013:
    case 1014:  // registered with IANA after RFC 6455
      return true;
    default:
      return false;  // 1004-1006 and 1015 are reserved or local-only; the rest is unassigned
  }
}

bool FrameParser::fail(std::uint16_t code, std::string_view reason) {
  failure_ = ProtocolFailure{code, reason};
  return false;
}

std::size_t FrameParser::parse(char* data, std::size_t size, FrameSink& sink) {
  std::size_t used = 0;
  needed_ = 0;
  auto refuse = [&](std::uint16_t code, std::string_view reason) {
    fail(code, reason);
    return used;
  };
  while (!closed_ && !failure_) {
    const auto* p = reinterpret_cast<const unsigned char*>(data + used);
    std::size_t left = size - used;
    if (left < 2) break;
    bool fin = p[0] & 0x80;
    std::uint8_t op = p[0] & 0x0F;
    if (p[0] & 0x70) return refuse(kProtocolError, "reserved bits set without an extension");
    if (!known_opcode(op)) return refuse(kProtocolError, "reserved opcode");
    if (!(p[1] & 0x80)) return refuse(kProtocolError, "client frames must be masked");
    std::size_t header = 2 + 4;
    std::uint64_t length = p[1] & 0x7F;
    if (length == 126) header += 2;
    if (length == 127) header += 8;
    if (left < header) break;
    if (length == 126) {
      length = (std::uint64_t{p[2]} << 8) | p[3];
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      if (length >> 63) return refuse(kProtocolError, "frame length out of range");
    }
    auto opcode = static_cast<Opcode>(op);
    if (is_control(opcode)) {
      if (!fin) return refuse(kProtocolError, "fragmented control frame");
      if (length > kMaxControlPayload) return refuse(kProtocolError, "control frame too long");
    } else {
      if (opcode == Opcode::continuation && !in_message_)
        return refuse(kProtocolError, "continuation frame without a message");
      if (opcode != Opcode::continuation && in_message_)
        return refuse(kProtocolError, "new message before the last one finished");
      // Refused from the header alone: an oversized frame is never buffered.
      if (length > max_message_ || message_.size() + length > max_message_)
        return refuse(kMessageTooBig, "message too big");
    }
    if (left - header < length) {
      needed_ = header + static_cast<std::size_t>(length);
      break;
    }
    unsigned char key[4];
    std::memcpy(key, p + header - 4, 4);
    char* payload = data + used + header;
    unmask(payload, static_cast<std::size_t>(length), key);
    used += header + static_cast<std::size_t>(length);
    if (!dispatch(opcode, fin, payload, static_cast<std::size_t>(length), sink)) break;
  }
  return used;
}

bool FrameParser::dispatch(Opcode op, bool fin, char* payload, std::size_t size, FrameSink& sink) {
  std::string_view bytes(payload, size);
  switch (op) {
    case Opcode::ping:
      sink.on_ws_ping(bytes);
      return true;
    case Opcode::pong:
      sink.on_ws_pong(bytes);
      return true;
    case Opcode::close: {
      if (size == 1) return fail(kProtocolError, "close frame with a 1-byte payload");
      std::optional<std::uint16_t> code;
      std::string_view reason;
      if (size >= 2) {
        code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
        if (!valid_close_code(*code)) return fail(kProtocolError, "invalid close code");
        reason = bytes.substr(2);
        if (!is_valid_utf8(reason)) return fail(kInvalidPayload, "close reason is not UTF-8");
      }
      closed_ = true;
      sink.on_ws_close(code, reason);
      return false;
    }
    default:
      break;
  }
  bool starts = op != Opcode::continuation;
  if (starts) {
    message_binary_ = op == Opcode::binary;
    utf8_.reset();
  }
  if (!message_binary_ && !utf8_.feed(bytes)) return fail(kInvalidPayload, "invalid UTF-8 in text");
  if (!fin) {
    in_message_ = true;
    message_.append(bytes);
    return true;
  }
  if (!message_binary_ && !utf8_.complete())
    return fail(kInvalidPayload, "text ends inside a UTF-8 sequence");
  if (!in_message_) {
    sink.on_ws_message(bytes, message_binary_);  // the common case: no copy at all
    return true;
  }
  message_.append(bytes);
  in_message_ = false;
  std::string whole;
  whole.swap(message_);  // release the assembly buffer once the message is out
  sink.on_ws_message(whole, message_binary_);
  return true;
}

}  // namespace voxgate::ws
