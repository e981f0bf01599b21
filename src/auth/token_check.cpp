#include "auth/token_check.hpp"

namespace voxgate {

std::string_view to_string(TokenError error) {
  switch (error) {
    case TokenError::none:
      return "none";
    case TokenError::malformed:
      return "malformed";
    case TokenError::too_large:
      return "too_large";
    case TokenError::alg_not_allowed:
      return "alg_not_allowed";
    case TokenError::unknown_key:
      return "unknown_key";
    case TokenError::bad_signature:
      return "bad_signature";
    case TokenError::expired:
      return "expired";
    case TokenError::not_yet_valid:
      return "not_yet_valid";
    case TokenError::wrong_issuer:
      return "wrong_issuer";
    case TokenError::wrong_audience:
      return "wrong_audience";
    case TokenError::missing_claim:
      return "missing_claim";
  }
  return "unknown";
}

std::string quoted_for_log(std::string_view text) {
  constexpr std::size_t longest = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < longest; ++i) {
    const char c = text[i];
    out += c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?';
  }
  if (text.size() > longest) out += "...";
  return out + "\"";
}

}  // namespace voxgate
