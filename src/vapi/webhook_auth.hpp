#pragma once
// Who may post Vapi webhooks (protocol section 4): any configured form that matches
// authenticates: an HMAC signature over the timestamp and the raw body, a bearer token, or the
// legacy x-vapi-secret header. Research: vapi-protocol.md section 2.4.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace voxgate {

enum class WebhookHmacAlgorithm { sha256, sha512 };

struct WebhookAuthConfig {
  // HMAC credential (Vapi's HMACAuthenticationPlan); empty secret: not used.
  std::string hmac_secret;
  std::string signature_header = "x-signature";
  std::string timestamp_header = "x-timestamp";
  std::string signature_prefix;  // e.g. "sha256=", as the credential's signaturePrefix
  WebhookHmacAlgorithm algorithm = WebhookHmacAlgorithm::sha256;
  std::chrono::seconds replay_window{300};  // how far x-timestamp may be from now, either way

  // Bearer credential (BearerAuthenticationPlan); empty token: not used.
  std::string bearer_token;
  std::string bearer_header = "authorization";  // value "Bearer <token>" (the prefix optional)

  // server.secret of older assistants, sent as x-vapi-secret; empty: not used.
  std::string legacy_secret;
};

// A request header by name (case-insensitive, as Beast's fields are); empty when absent. The view
// must stay valid until verify_webhook returns.
using WebhookHeaderLookup = std::function<std::string_view(std::string_view name)>;

struct WebhookAuthResult {
  bool ok = false;
  std::string reason;  // why not, naming the header or setting; never a secret
};

// `raw_body` is the body exactly as received: the signature covers its bytes, not a re-encoding.
WebhookAuthResult verify_webhook(const WebhookAuthConfig& config, const WebhookHeaderLookup& header,
                                 std::string_view raw_body, std::int64_t now_ms);

}  // namespace voxgate
