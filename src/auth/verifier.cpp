// verify(): size, shape, header, algorithm, key, signature, then claims. Every refusal before
// the signature check reads only the header, so an unsigned payload is never interpreted.
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <string>

#include "auth/base64url.hpp"
#include "auth/claims.hpp"
#include "auth/jws_crypto.hpp"
#include "auth/jwt.hpp"
#include "auth/key_ring.hpp"

namespace voxgate {

struct TokenVerifier::Policy {
  JwsCrypto crypto;
  KeyRing keys;
  bool allowed[3] = {};  // by JwsAlgorithm
  std::string allowed_text;
  ClaimRules claims;
  std::size_t max_token_bytes = 0;

  bool allows(JwsAlgorithm algorithm) const { return allowed[static_cast<int>(algorithm)]; }
};

namespace {

using E = TokenError;

struct Segments {
  std::string_view header, payload, signature;
  std::string_view signing_input;  // "header.payload", what the signature covers
};

std::optional<Segments> split(std::string_view token, std::string& why) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    why = "a JWT has 3 dot-separated parts; this has " +
          std::to_string(std::count(token.begin(), token.end(), '.') + 1);
    return std::nullopt;
  }
  return Segments{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1), token.substr(0, second)};
}

std::optional<std::string> decoded(std::string_view segment, std::string_view part,
                                   std::string& why) {
  auto text = base64url_decode(segment);
  if (!text) why = std::string(part) + " is not unpadded base64url";
  return text;
}

std::optional<boost::json::object> json_object(std::string_view text, std::string_view part,
                                               boost::json::storage_ptr storage, std::string& why) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec, std::move(storage));
  if (ec || !value.is_object()) {
    why = std::string(part) + " is not a JSON object";
    return std::nullopt;
  }
  return std::move(value.get_object());
}

// The header's algorithm if it is allowed, else the refusal.
std::optional<JwsAlgorithm> allowed_algorithm(const boost::json::object& header,
                                              const TokenVerifier::Policy& policy,
                                              TokenCheck& refusal) {
  const auto* alg = header.if_contains("alg");
  if (!alg || !alg->is_string()) {
    refusal = TokenCheck::refused(E::malformed, "the header has no alg string");
    return std::nullopt;
  }
  const std::string_view name = alg->get_string();
  // RFC 7515 section 4.1.11: extensions marked critical that we do not implement mean refusal.
  if (header.contains("crit")) {
    refusal = TokenCheck::refused(E::malformed, "the header lists crit extensions");
    return std::nullopt;
  }
  const auto algorithm = parse_jws_algorithm(name);
  if (!algorithm || !policy.allows(*algorithm)) {
    const bool unsigned_token = name.size() == 4 && (name[0] | 0x20) == 'n' &&
                                (name[1] | 0x20) == 'o' && (name[2] | 0x20) == 'n' &&
                                (name[3] | 0x20) == 'e';
    refusal = TokenCheck::refused(E::alg_not_allowed,
                                  unsigned_token ? "alg none (an unsigned token) is never accepted"
                                                 : "alg " + quoted_for_log(name) +
                                                       " is not allowed; auth.algorithms allows " +
                                                       policy.allowed_text);
    return std::nullopt;
  }
  return algorithm;
}

// The JWKS key id, if any; a kid that is not a string is a malformed header.
bool read_kid(const boost::json::object& header, std::optional<std::string_view>& kid) {
  const auto* value = header.if_contains("kid");
  if (!value) return true;
  if (!value->is_string()) return false;
  kid = value->get_string();
  return true;
}

TokenCheck check_signature(JwsAlgorithm algorithm, std::optional<std::string_view> kid,
                           const Segments& parts, std::string_view signature,
                           const TokenVerifier::Policy& policy) {
  if (algorithm == JwsAlgorithm::hs256) {
    const HmacSecret* secret = policy.keys.secret();
    if (!secret)
      return TokenCheck::refused(
          E::unknown_key, "HS256 token, but no auth.jwt_secret (SUPABASE_JWT_SECRET) is set");
    if (!secret->matches(parts.signing_input, signature))
      return TokenCheck::refused(E::bad_signature, "the HS256 signature does not match");
    return {};
  }
  const auto selection = policy.keys.select(key_family(algorithm), kid);
  if (selection.keys.empty()) return TokenCheck::refused(E::unknown_key, selection.why_none);
  std::string why;
  for (const PublicKey* key : selection.keys) {
    if (policy.crypto.public_key_verifies(algorithm, key->key.get(), parts.signing_input, signature,
                                          why))
      return {};
    if (!why.empty()) break;  // the signature's shape is wrong for every key alike
  }
  return TokenCheck::refused(E::bad_signature, why.empty()
                                                   ? "the " + std::string(to_string(algorithm)) +
                                                         " signature does not match" +
                                                         (kid ? " key " + quoted_for_log(*kid) : "")
                                                   : why);
}

}  // namespace

std::shared_ptr<const TokenVerifier> TokenVerifier::from_config(const AuthConfig& config,
                                                                std::string& error) {
  auto policy = std::make_unique<Policy>();
  if (!policy->crypto.ready()) {
    error = "OpenSSL offers no SHA-256; check the OpenSSL installation";
    return nullptr;
  }
  for (const auto& name : config.algorithms) {
    const auto algorithm = parse_jws_algorithm(name);
    if (!algorithm) {
      error = "auth.algorithms: " + quoted_for_log(name) +
              (name == "none" ? " is never allowed: it would accept unsigned tokens"
                              : " is not one of " + std::string(supported_jws_algorithms));
      return nullptr;
    }
    if (!policy->allows(*algorithm))
      policy->allowed_text += (policy->allowed_text.empty() ? "" : ", ") + name;
    policy->allowed[static_cast<int>(*algorithm)] = true;
  }
  if (policy->allowed_text.empty()) policy->allowed_text = "nothing";
  auto keys = KeyRing::load(config, error);
  if (!keys) return nullptr;
  policy->keys = std::move(*keys);
  policy->claims.issuer = config.issuer;
  policy->claims.audience = config.audience;
  policy->claims.skew_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(config.clock_skew).count();
  policy->claims.org_path = split_claim_path(config.org_claim);
  if (policy->claims.org_path.empty()) {
    error = "auth.org_claim " + quoted_for_log(config.org_claim) +
            " is not a dotted claim path such as \"app_metadata.org_id\"";
    return nullptr;
  }
  policy->max_token_bytes = config.max_token_bytes;
  return std::shared_ptr<const TokenVerifier>(new TokenVerifier(std::move(policy)));
}

TokenVerifier::TokenVerifier(std::unique_ptr<const Policy> policy) : policy_(std::move(policy)) {}
TokenVerifier::~TokenVerifier() = default;

bool TokenVerifier::configured() const {
  return !policy_->keys.empty();
}

TokenCheck TokenVerifier::verify(std::string_view token, std::int64_t now_unix_seconds) const {
  const Policy& policy = *policy_;
  if (token.size() > policy.max_token_bytes)
    return TokenCheck::refused(E::too_large, std::to_string(token.size()) +
                                                 " bytes, over auth.max_token_bytes (" +
                                                 std::to_string(policy.max_token_bytes) + ")");
  if (token.empty()) return TokenCheck::refused(E::malformed, "the token is empty");
  std::string why;
  const auto parts = split(token, why);
  if (!parts) return TokenCheck::refused(E::malformed, why);
  // Header and claims live only during this call: an arena on the stack spares the heap.
  unsigned char arena_bytes[4096];
  boost::json::monotonic_resource arena(arena_bytes, sizeof arena_bytes);
  const auto header_text = decoded(parts->header, "the header", why);
  const auto header =
      header_text ? json_object(*header_text, "the header", &arena, why) : std::nullopt;
  if (!header) return TokenCheck::refused(E::malformed, why);

  TokenCheck refusal;
  const auto algorithm = allowed_algorithm(*header, policy, refusal);
  if (!algorithm) return refusal;
  std::optional<std::string_view> kid;
  if (!read_kid(*header, kid))
    return TokenCheck::refused(E::malformed, "the header's kid is not a string");
  const auto payload_text = decoded(parts->payload, "the payload", why);
  const auto signature = decoded(parts->signature, "the signature", why);
  if (!payload_text || !signature) return TokenCheck::refused(E::malformed, why);

  auto checked = check_signature(*algorithm, kid, *parts, *signature, policy);
  if (checked.error != E::none) return checked;

  const auto claims = json_object(*payload_text, "the payload", &arena, why);
  if (!claims) return TokenCheck::refused(E::malformed, why);
  return check_claims(*claims, policy.claims, now_unix_seconds);
}

}  // namespace voxgate
