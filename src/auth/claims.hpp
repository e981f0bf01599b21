#pragma once
// The registered and voxgate-specific claims of a token whose signature has been verified.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_check.hpp"

namespace voxgate {

struct ClaimRules {
  std::string issuer;                 // required iss when not empty
  std::string audience;               // required in aud when not empty
  std::int64_t skew_seconds = 30;     // tolerated clock difference, both ways
  std::vector<std::string> org_path;  // "app_metadata.org_id" as {"app_metadata", "org_id"}
};

// Dates beyond year 9999 are read as 9999-12-31, so callers can add durations without overflow.
inline constexpr std::int64_t latest_date = 253'402'300'799;

// "app_metadata.org_id" -> {"app_metadata", "org_id"}; empty when a segment is empty.
std::vector<std::string> split_claim_path(std::string_view path);

// exp (required) and nbf against `now` with the skew, then iss, aud, sub and the org claim.
TokenCheck check_claims(const boost::json::object& claims, const ClaimRules& rules,
                        std::int64_t now);

}  // namespace voxgate
