#pragma once
// Signs Vapi webhook deliveries the way docs/webhooks.md describes Vapi's HMAC credential:
// x-signature = hex HMAC-SHA256 of "<x-timestamp>.<raw body>" with the shared secret.

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace loadgen {

class WebhookSigner {
 public:
  explicit WebhookSigner(std::string secret);
  ~WebhookSigner();
  WebhookSigner(const WebhookSigner&) = delete;
  WebhookSigner& operator=(const WebhookSigner&) = delete;

  // Lower-case hex HMAC-SHA256 of timestamp + "." + body, written into `hex`.
  void sign(std::string_view timestamp, std::string_view body, std::string& hex);

 private:
  std::string secret_;
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
};

}  // namespace loadgen
