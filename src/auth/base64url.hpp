#pragma once
// base64url without padding (RFC 7515 section 2), the only encoding a JWT's parts may use.

#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

std::string base64url_encode(std::string_view bytes);

// Strict: only A-Z a-z 0-9 - _, no '=' padding, no whitespace, and unused trailing bits zero, so
// each byte string has exactly one accepted spelling. nullopt when the text breaks any rule.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace voxgate
