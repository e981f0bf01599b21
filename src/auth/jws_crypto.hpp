#pragma once
// The public-key signature checks of RS256 and ES256, on OpenSSL 3's EVP interfaces.

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "auth/jws_algorithm.hpp"
#include "auth/openssl_handles.hpp"

namespace voxgate {

// Holds SHA-256 fetched once: an implicit fetch per call would cost a lock and a lookup on
// every token. Immutable after construction, so any thread may use it.
class JwsCrypto {
 public:
  JwsCrypto();
  bool ready() const { return sha256_ != nullptr; }

  // RS256 (PKCS #1 v1.5) or ES256 (JOSE r || s) with a public key of the matching family.
  // On false, `why` says what was wrong with the signature's shape, or stays empty.
  bool public_key_verifies(JwsAlgorithm algorithm, EVP_PKEY* key, std::string_view input,
                           std::string_view signature, std::string& why) const;

 private:
  EvpMdPtr sha256_;
};

// JOSE's 64-byte r || s as the DER ECDSA-Sig-Value OpenSSL verifies; empty on failure.
std::string es256_signature_to_der(std::string_view raw);

}  // namespace voxgate
