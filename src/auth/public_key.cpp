#include "auth/public_key.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace voxgate {

std::optional<PublicKey> classify_public_key(EvpPkeyPtr key, std::string kid, std::string& why) {
  if (!key) {
    why = "no key";
    return std::nullopt;
  }
  PublicKey out{std::move(kid), KeyFamily::rsa, nullptr};
  if (EVP_PKEY_is_a(key.get(), "RSA")) {
    if (EVP_PKEY_get_bits(key.get()) < min_rsa_bits) {
      why = "the RSA key has " + std::to_string(EVP_PKEY_get_bits(key.get())) + " bits; at least " +
            std::to_string(min_rsa_bits) + " are required";
      return std::nullopt;
    }
    out.family = KeyFamily::rsa;
  } else if (EVP_PKEY_is_a(key.get(), "EC")) {
    char group[64] = {};
    std::size_t length = 0;
    if (!EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &length) ||
        std::string_view(group, length) != "prime256v1") {
      why = "the EC key is not on P-256 (prime256v1), the only curve ES256 uses";
      return std::nullopt;
    }
    out.family = KeyFamily::ec_p256;
  } else {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    why = std::string("a ") + (type ? type : "unknown") +
          " key; RS256 needs RSA and ES256 needs EC P-256";
    return std::nullopt;
  }
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  const bool consistent = check && EVP_PKEY_public_check(check.get()) == 1;
  ERR_clear_error();
  if (!consistent) {
    why = "the public key fails OpenSSL's consistency check";
    return std::nullopt;
  }
  out.key = std::move(key);
  return out;
}

std::optional<PublicKey> read_pem_public_key(const std::string& path, std::string& why) {
  BioPtr file(BIO_new_file(path.c_str(), "r"));
  if (!file) {
    ERR_clear_error();
    why = "cannot be opened";
    return std::nullopt;
  }
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(file.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();  // a failed read leaves entries that TLS code on this thread would misread
  if (!key) {
    why = "holds no PEM public key (a \"-----BEGIN PUBLIC KEY-----\" block)";
    return std::nullopt;
  }
  return classify_public_key(std::move(key), {}, why);
}

}  // namespace voxgate
