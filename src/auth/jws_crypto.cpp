#include "auth/jws_crypto.hpp"

#include <openssl/ecdsa.h>
#include <openssl/err.h>

namespace voxgate {
namespace {

constexpr std::size_t es256_part_bytes = 32;

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

JwsCrypto::JwsCrypto() : sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {}

bool JwsCrypto::public_key_verifies(JwsAlgorithm algorithm, EVP_PKEY* key, std::string_view input,
                                    std::string_view signature, std::string& why) const {
  if (!ready() || !key || algorithm == JwsAlgorithm::hs256) return false;
  std::string der;
  if (algorithm == JwsAlgorithm::es256) {
    if (signature.size() != 2 * es256_part_bytes) {
      why = "an ES256 signature is 64 bytes (r || s), this one is " +
            std::to_string(signature.size());
      return false;
    }
    der = es256_signature_to_der(signature);
    if (der.empty()) return false;
    signature = der;
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const bool valid =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, sha256_.get(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(input), input.size()) ==
          1;
  // A forged token must not leave entries on this thread's queue for TLS code to misread.
  if (!valid) ERR_clear_error();
  return valid;
}

std::string es256_signature_to_der(std::string_view raw) {
  if (raw.size() != 2 * es256_part_bytes) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes(raw), es256_part_bytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw.substr(es256_part_bytes)), es256_part_bytes, nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return {};
  }
  // ECDSA_SIG_set0 took r and s; freeing sig frees them.
  std::string der;
  const int length = i2d_ECDSA_SIG(sig, nullptr);
  if (length > 0) {
    der.resize(static_cast<std::size_t>(length));
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig, &out) != length) der.clear();
  }
  ECDSA_SIG_free(sig);
  return der;
}

}  // namespace voxgate
