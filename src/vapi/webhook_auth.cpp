#include "vapi/webhook_auth.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>
#include <optional>

#include "auth/api_keys.hpp"
#include "ops/text.hpp"
#include "vapi/hex.hpp"
#include "vapi/time_values.hpp"

namespace voxgate {
namespace {

// The refusal names the settings of the [vapi] section that enable each form.
constexpr std::string_view kNothingConfigured =
    "no Vapi webhook credential is configured; set [vapi].webhook_secret (VAPI_WEBHOOK_SECRET), "
    "[vapi].webhook_bearer_token or [vapi].webhook_legacy_secret";

std::optional<std::string> hmac_hex(const WebhookAuthConfig& config, std::string_view input) {
  const char* digest = config.algorithm == WebhookHmacAlgorithm::sha512 ? "SHA512" : "SHA256";
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, config.hmac_secret.data(),
                 config.hmac_secret.size(), reinterpret_cast<const unsigned char*>(input.data()),
                 input.size(), out, sizeof out, &length)) {
    ERR_clear_error();
    return std::nullopt;
  }
  return lower_hex({reinterpret_cast<const char*>(out), length});
}

// "1750000000" (s) or "1750000000000" (ms) as ms since the epoch; Vapi does not document which.
std::optional<std::int64_t> header_time_ms(std::string_view text) {
  text = trim(text);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 0)
    return std::nullopt;
  return epoch_ms_from_seconds_or_ms(value);
}

// Empty when the signature is good, else why not.
std::string check_hmac(const WebhookAuthConfig& config, const WebhookHeaderLookup& header,
                       std::string_view body, std::int64_t now_ms) {
  const std::string_view signature_value = trim(header(config.signature_header));
  if (signature_value.empty()) return "HMAC: no " + config.signature_header + " header";
  const std::string_view timestamp = trim(header(config.timestamp_header));
  if (timestamp.empty()) return "HMAC: no " + config.timestamp_header + " header";
  const auto sent_ms = header_time_ms(timestamp);
  if (!sent_ms)
    return "HMAC: " + config.timestamp_header + " is not a Unix time in seconds or milliseconds";
  const std::int64_t window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.replay_window).count();
  const std::int64_t skew_ms = *sent_ms - now_ms;
  if (skew_ms > window_ms || -skew_ms > window_ms)
    return "HMAC: " + config.timestamp_header + " is " + std::to_string(std::abs(skew_ms) / 1000) +
           " s " + (skew_ms > 0 ? "ahead" : "old") + ", outside the replay window of " +
           std::to_string(config.replay_window.count()) + " s (check the clocks)";
  std::string signed_bytes;
  signed_bytes.reserve(timestamp.size() + 1 + body.size());
  signed_bytes.append(timestamp).append(".").append(body);
  const auto expected = hmac_hex(config, signed_bytes);
  if (!expected) return "HMAC: OpenSSL could not compute the signature";
  // The prefix ("sha256=") is public; hex digits are compared in lower case either way.
  std::string presented = to_lower(signature_value);
  const std::string prefix = to_lower(config.signature_prefix);
  if (!prefix.empty() && presented.starts_with(prefix)) presented.erase(0, prefix.size());
  if (!api_key_matches(presented, {*expected}))
    return "HMAC: " + config.signature_header +
           " does not match the body (wrong secret, algorithm or prefix, or a changed body)";
  return {};
}

// Empty when `value` carries `secret`, else why not. A "Bearer " prefix is optional because
// Vapi's bearer credential can turn it off (bearerPrefixEnabled).
std::string check_token(std::string_view form, std::string_view header_name, std::string_view value,
                        const std::string& secret) {
  if (trim(value).empty())
    return std::string(form) + ": no " + std::string(header_name) + " header";
  std::string_view token = bearer_token(value);
  if (token.empty()) token = trim(value);
  if (!api_key_matches(token, {secret}))
    return std::string(form) + ": " + std::string(header_name) + " does not match";
  return {};
}

}  // namespace

WebhookAuthResult verify_webhook(const WebhookAuthConfig& config, const WebhookHeaderLookup& header,
                                 std::string_view raw_body, std::int64_t now_ms) {
  if (config.hmac_secret.empty() && config.bearer_token.empty() && config.legacy_secret.empty())
    return {false, std::string(kNothingConfigured)};
  std::string reasons;
  auto failed = [&](const std::string& reason) {
    if (reason.empty()) return false;
    reasons += (reasons.empty() ? "" : "; ") + reason;
    return true;
  };
  // Every configured form is checked, so a refusal lists what each one found wrong.
  bool ok = false;
  if (!config.hmac_secret.empty()) ok |= !failed(check_hmac(config, header, raw_body, now_ms));
  if (!config.bearer_token.empty())
    ok |= !failed(check_token("bearer", config.bearer_header, header(config.bearer_header),
                              config.bearer_token));
  if (!config.legacy_secret.empty())
    ok |= !failed(check_token("legacy secret", "x-vapi-secret", header("x-vapi-secret"),
                              config.legacy_secret));
  if (ok) return {true, {}};
  return {false, reasons};
}

}  // namespace voxgate
