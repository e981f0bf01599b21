#include "auth/claims.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace voxgate {
namespace {

std::int64_t clamp_date(std::int64_t seconds) {
  return std::clamp(seconds, -latest_date, latest_date);
}

// A NumericDate (RFC 7519 section 2) may carry a fraction; whole seconds, rounded down, suffice.
std::optional<std::int64_t> numeric_date(const boost::json::value& value) {
  if (value.is_int64()) return clamp_date(value.get_int64());
  if (value.is_uint64()) return latest_date;  // only values past INT64_MAX are stored as uint64
  if (value.is_double() && std::isfinite(value.get_double()))
    return static_cast<std::int64_t>(std::floor(std::clamp(
        value.get_double(), -static_cast<double>(latest_date), static_cast<double>(latest_date))));
  return std::nullopt;
}

const boost::json::value* claim_at(const boost::json::object& claims,
                                   const std::vector<std::string>& path) {
  const boost::json::object* object = &claims;
  const boost::json::value* found = nullptr;
  for (const auto& segment : path) {
    if (!object) return nullptr;
    found = object->if_contains(segment);
    if (!found) return nullptr;
    object = found->if_object();
  }
  return found;
}

std::string joined_path(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& segment : path) out += (out.empty() ? "" : ".") + segment;
  return out;
}

bool audience_matches(const boost::json::value& aud, std::string_view audience) {
  if (aud.is_string()) return aud.get_string() == audience;
  if (!aud.is_array()) return false;
  const auto& entries = aud.get_array();
  return std::any_of(entries.begin(), entries.end(), [&](const boost::json::value& entry) {
    return entry.is_string() && entry.get_string() == audience;
  });
}

// The org id as text: a non-empty string, or an integer some platforms use for tenants.
std::optional<std::string> org_text(const boost::json::value& org) {
  if (org.is_string() && !org.get_string().empty()) return std::string(org.get_string());
  if (org.is_int64()) return std::to_string(org.get_int64());
  if (org.is_uint64()) return std::to_string(org.get_uint64());
  return std::nullopt;
}

}  // namespace

std::vector<std::string> split_claim_path(std::string_view path) {
  std::vector<std::string> segments;
  while (true) {
    const auto dot = path.find('.');
    const auto segment = path.substr(0, dot);
    if (segment.empty()) return {};
    segments.emplace_back(segment);
    if (dot == std::string_view::npos) return segments;
    path.remove_prefix(dot + 1);
  }
}

TokenCheck check_claims(const boost::json::object& claims, const ClaimRules& rules,
                        std::int64_t now) {
  using E = TokenError;
  now = clamp_date(now);
  const std::int64_t skew = std::clamp<std::int64_t>(rules.skew_seconds, 0, latest_date);

  const auto* exp_claim = claims.if_contains("exp");
  if (!exp_claim) return TokenCheck::refused(E::missing_claim, "the token has no exp");
  const auto exp = numeric_date(*exp_claim);
  if (!exp) return TokenCheck::refused(E::missing_claim, "exp is not a number of seconds");
  if (now > *exp + skew)
    return TokenCheck::refused(E::expired, "expired " + std::to_string(now - *exp) + " s ago");

  if (const auto* nbf_claim = claims.if_contains("nbf")) {
    const auto nbf = numeric_date(*nbf_claim);
    if (!nbf) return TokenCheck::refused(E::malformed, "nbf is not a number of seconds");
    if (now + skew < *nbf)
      return TokenCheck::refused(E::not_yet_valid,
                                 "valid only in " + std::to_string(*nbf - now) + " s (nbf)");
  }

  if (!rules.issuer.empty()) {
    const auto* iss = claims.if_contains("iss");
    if (!iss || !iss->is_string())
      return TokenCheck::refused(E::wrong_issuer, "no iss string; auth.issuer requires one");
    if (iss->get_string() != rules.issuer)
      return TokenCheck::refused(
          E::wrong_issuer, "iss " + quoted_for_log(iss->get_string()) + " is not auth.issuer");
  }

  if (!rules.audience.empty()) {
    const auto* aud = claims.if_contains("aud");
    if (!aud || !audience_matches(*aud, rules.audience))
      return TokenCheck::refused(
          E::wrong_audience, std::string(aud ? "aud lacks" : "no aud; need") + " auth.audience " +
                                 quoted_for_log(rules.audience));
  }

  const auto* sub = claims.if_contains("sub");
  if (!sub || !sub->is_string() || sub->get_string().empty())
    return TokenCheck::refused(E::missing_claim, "sub is not a non-empty string");

  const auto* org = claim_at(claims, rules.org_path);
  auto org_id = org ? org_text(*org) : std::nullopt;
  if (!org_id)
    return TokenCheck::refused(E::missing_claim, joined_path(rules.org_path) +
                                                     " (auth.org_claim) is not a non-empty "
                                                     "string or an integer");

  return {UserIdentity{std::string(sub->get_string()), std::move(*org_id), *exp}, E::none, {}};
}

}  // namespace voxgate
