#pragma once
// Base64 for the WebSocket handshake (RFC 4648 section 4) and base64url without padding for
// JWT segments (section 5).

#include <string>
#include <string_view>

namespace loadgen {

std::string base64(std::string_view bytes);
std::string base64url(std::string_view bytes);
// Decodes base64url, with or without padding; other characters are skipped.
std::string base64url_decode(std::string_view text);

}  // namespace loadgen
