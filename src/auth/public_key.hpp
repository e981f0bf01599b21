#pragma once
// A public key that verifies RS256 or ES256 tokens, read from a PEM file or built from a JWK.

#include <optional>
#include <string>

#include "auth/jws_algorithm.hpp"
#include "auth/openssl_handles.hpp"

namespace voxgate {

struct PublicKey {
  std::string kid;  // empty for the PEM key and for JWKs without one
  KeyFamily family = KeyFamily::rsa;
  EvpPkeyPtr key;
};

// Smaller RSA keys are refused when loaded: they are factorable, so tokens would be forgeable.
inline constexpr int min_rsa_bits = 2048;

// Accepts RSA of at least min_rsa_bits and EC on P-256, after OpenSSL's public-key check;
// anything else is nullopt with the reason in `why`.
std::optional<PublicKey> classify_public_key(EvpPkeyPtr key, std::string kid, std::string& why);

// A "-----BEGIN PUBLIC KEY-----" file; `why` names the problem, not the path (callers add it).
std::optional<PublicKey> read_pem_public_key(const std::string& path, std::string& why);

}  // namespace voxgate
