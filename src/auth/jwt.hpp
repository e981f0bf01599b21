#pragma once
// User JWTs as Supabase Auth issues them (protocol section 7): verified against the HMAC secret,
// a PEM public key or a JWKS file, plus the development minter behind `voxgate token`.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/token_check.hpp"
#include "config/config.hpp"

namespace voxgate {

// Keys are parsed once, when the configuration loads; verify() is const and shares nothing
// mutable, so one verifier serves every thread.
class TokenVerifier {
 public:
  // Loads the PEM and JWKS files; null with `error` naming the setting and file on failure.
  static std::shared_ptr<const TokenVerifier> from_config(const AuthConfig& config,
                                                          std::string& error);
  ~TokenVerifier();

  // False when no secret or public key is configured: every token is then refused.
  bool configured() const;

  // The identity of a valid token, or why it is refused. `now_unix_seconds` is passed in so
  // tests and callers decide the clock.
  TokenCheck verify(std::string_view token, std::int64_t now_unix_seconds) const;

  struct Policy;  // keys, allowed algorithms, claim rules; defined in verifier.cpp

 private:
  explicit TokenVerifier(std::unique_ptr<const Policy> policy);
  std::unique_ptr<const Policy> policy_;
};

// An HS256 token signed with [auth].jwt_secret for development (`voxgate token`, the
// dashboard's dev button): sub = user_id, org_id at [auth].org_claim, iat = now,
// exp = now + ttl_seconds, iss and aud as configured, role "authenticated" as Supabase writes.
// Empty when jwt_secret is empty.
std::string mint_dev_token(const AuthConfig& config, std::string_view user_id,
                           std::string_view org_id, std::int64_t now, std::int64_t ttl_seconds);

// Why this config cannot mint a development token the gateway would accept (no secret, HS256
// not allowed), with the setting to change; empty when it can.
std::string dev_token_problem(const AuthConfig& config);

}  // namespace voxgate
