#include "auth/hmac_secret.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

namespace voxgate {

HmacSecret::HmacSecret(std::string_view secret) {
  EvpMacPtr hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  EvpMacCtxPtr ctx(hmac ? EVP_MAC_CTX_new(hmac.get()) : nullptr);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (ctx && EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()),
                          secret.size(), params))
    keyed_ = std::move(ctx);
  ERR_clear_error();
}

std::optional<std::string> HmacSecret::sign(std::string_view input) const {
  if (!keyed_) return std::nullopt;
  EvpMacCtxPtr ctx(EVP_MAC_CTX_dup(keyed_.get()));
  std::string out(EVP_MAX_MD_SIZE, '\0');
  std::size_t length = 0;
  if (!ctx ||
      !EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(input.data()),
                      input.size()) ||
      !EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                     out.size())) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

bool HmacSecret::matches(std::string_view input, std::string_view signature) const {
  const auto expected = sign(input);
  // The length is public (always 32), so checking it first reveals nothing.
  return expected && expected->size() == signature.size() &&
         CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) == 0;
}

}  // namespace voxgate
