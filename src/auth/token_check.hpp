#pragma once
// The outcome of checking one user token: who it names, or why it was refused.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

struct UserIdentity {
  std::string user_id;          // sub
  std::string org_id;           // the claim at [auth].org_claim
  std::int64_t expires_at = 0;  // exp, unix seconds
};

enum class TokenError {
  none,
  malformed,        // not three base64url parts of JSON, or a claim of the wrong type
  too_large,        // longer than [auth].max_token_bytes
  alg_not_allowed,  // alg none, or not in [auth].algorithms
  unknown_key,      // no configured key fits the alg and kid
  bad_signature,
  expired,
  not_yet_valid,
  wrong_issuer,
  wrong_audience,
  missing_claim,  // sub, exp or the org claim absent or unusable
};

// "bad_signature": a stable name for log fields and metric labels.
std::string_view to_string(TokenError error);

// Text from a token (kid, alg, iss) as it may appear in a detail: quoted, at most 40 characters,
// anything outside printable ASCII replaced, so a crafted token cannot forge log lines.
std::string quoted_for_log(std::string_view text);

struct TokenCheck {
  std::optional<UserIdentity> identity;
  TokenError error = TokenError::none;
  std::string detail;  // for logs; never contains the token

  bool expired() const { return error == TokenError::expired; }

  static TokenCheck refused(TokenError error, std::string detail) {
    return {std::nullopt, error, std::move(detail)};
  }
};

}  // namespace voxgate
