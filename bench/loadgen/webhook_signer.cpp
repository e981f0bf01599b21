#include "webhook_signer.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <stdexcept>

namespace loadgen {
namespace {

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("HMAC-SHA256: ") + what + " failed");
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

WebhookSigner::WebhookSigner(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) throw std::invalid_argument("--webhook-secret is required");
  mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  ctx_ = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
  if (!ctx_) {
    EVP_MAC_free(mac_);
    throw std::runtime_error("HMAC-SHA256: OpenSSL has no HMAC");
  }
}

WebhookSigner::~WebhookSigner() {
  EVP_MAC_CTX_free(ctx_);
  EVP_MAC_free(mac_);
}

void WebhookSigner::sign(std::string_view timestamp, std::string_view body, std::string& hex) {
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  check(EVP_MAC_init(ctx_, bytes(secret_), secret_.size(), params), "init");
  check(EVP_MAC_update(ctx_, bytes(timestamp), timestamp.size()), "update");
  check(EVP_MAC_update(ctx_, bytes("."), 1), "update");
  check(EVP_MAC_update(ctx_, bytes(body), body.size()), "update");
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  check(EVP_MAC_final(ctx_, out, &length, sizeof out), "final");
  constexpr char kDigits[] = "0123456789abcdef";
  hex.clear();
  for (std::size_t i = 0; i < length; ++i) {
    hex += kDigits[out[i] >> 4];
    hex += kDigits[out[i] & 0xf];
  }
}

}  // namespace loadgen
