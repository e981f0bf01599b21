#pragma once
// The keys a TokenVerifier trusts, loaded once: the HMAC secret, the JWKS keys, the PEM key.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/hmac_secret.hpp"
#include "auth/public_key.hpp"
#include "config/config.hpp"

namespace voxgate {

class KeyRing {
 public:
  // Reads [auth].public_key_file and [auth].jwks_file; nullopt with `error` naming the setting,
  // the file and the fault.
  static std::optional<KeyRing> load(const AuthConfig& config, std::string& error);

  // The HS256 key; null when auth.jwt_secret is empty.
  const HmacSecret* secret() const { return secret_ ? &*secret_ : nullptr; }
  bool empty() const { return !secret_ && jwks_.empty() && !pem_; }

  struct Selection {
    std::vector<const PublicKey*> keys;  // to try in order; a signature valid under one suffices
    std::string why_none;                // when keys is empty: what is missing, for the log
  };

  // The public keys an RS256 or ES256 token with this kid may be verified with:
  // - kid names a JWKS key: that key alone, if its family fits the alg (else none);
  // - kid names no JWKS key, or there is no kid: the PEM key when its family fits;
  // - no kid: also every JWKS key of the fitting family, as all of them are trusted alike.
  Selection select(KeyFamily family, std::optional<std::string_view> kid) const;

 private:
  std::optional<HmacSecret> secret_;
  std::vector<PublicKey> jwks_;
  std::optional<PublicKey> pem_;
};

}  // namespace voxgate
