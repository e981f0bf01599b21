// mint_dev_token: the one place voxgate signs a token; verification never depends on it.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/base64url.hpp"
#include "auth/claims.hpp"
#include "auth/hmac_secret.hpp"
#include "auth/jwt.hpp"

namespace voxgate {

std::string dev_token_problem(const AuthConfig& config) {
  if (config.jwt_secret.empty())
    return "no JWT secret to sign with: set SUPABASE_JWT_SECRET or [auth].jwt_secret";
  const auto& algs = config.algorithms;
  if (std::find(algs.begin(), algs.end(), "HS256") == algs.end())
    return "[auth].algorithms does not allow HS256, so a minted token would be refused; add "
           "\"HS256\"";
  return {};
}

std::string mint_dev_token(const AuthConfig& config, std::string_view user_id,
                           std::string_view org_id, std::int64_t now, std::int64_t ttl_seconds) {
  const auto org_path = split_claim_path(config.org_claim);
  if (config.jwt_secret.empty() || org_path.empty()) return {};

  boost::json::object claims{
      {"sub", user_id}, {"role", "authenticated"}, {"iat", now}, {"exp", now + ttl_seconds}};
  if (!config.issuer.empty()) claims["iss"] = config.issuer;
  if (!config.audience.empty()) claims["aud"] = config.audience;
  // Nested objects along the claim path, as Supabase nests org_id in app_metadata.
  boost::json::object* at = &claims;
  for (std::size_t i = 0; i + 1 < org_path.size(); ++i) {
    auto& next = (*at)[org_path[i]];
    if (!next.is_object()) next = boost::json::object{};
    at = &next.get_object();
  }
  (*at)[org_path.back()] = org_id;

  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const std::string signing_input =
      base64url_encode(header) + "." + base64url_encode(boost::json::serialize(claims));
  const auto signature = HmacSecret(config.jwt_secret).sign(signing_input);
  if (!signature) return {};
  return signing_input + "." + base64url_encode(*signature);
}

}  // namespace voxgate
