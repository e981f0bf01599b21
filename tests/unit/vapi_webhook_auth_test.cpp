// Vapi webhook authentication against signatures made by the openssl command line, never by
// voxgate's own HMAC code.
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <map>

#include "ops/text.hpp"
#include "vapi/webhook_auth.hpp"

namespace voxgate {
namespace {

const std::string kSecret = "whsec_voxgate_test_3f9a";
const std::string kBody =
    R"({"message":{"type":"status-update","status":"in-progress","call":{"id":"3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104"}}})";
const std::string kTimestamp = "1749722465";
constexpr std::int64_t kSignedAt = 1'749'722'465'000;

// BODY=<kBody>; printf '%s' "1749722465.$BODY" | openssl dgst -sha256 -hmac
// 'whsec_voxgate_test_3f9a'
const std::string kSha256 = "8e214123702633bd24c102e311a815975115e580a6046a10db55e002b0b1b018";
// printf '%s' "1749722465250.$BODY" | openssl dgst -sha256 -hmac 'whsec_voxgate_test_3f9a'
const std::string kSha256Ms = "d39e1f2a2f5e7bd0e0c68c1cd9c864efb1c1d1e73f303e39e4ff5db360ee95cc";
// printf '%s' "1749722465.$BODY" | openssl dgst -sha512 -hmac 'whsec_voxgate_test_3f9a'
const std::string kSha512 =
    "dbef3dd2aeb4533ee7ded809a3f20cc757778318e6d4693783fa96a36a5507db926106e843f1940dcfb66b2436645"
    "822085865ad38fd17db2178f5242eaf375f";

std::string upper_case(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

using Headers = std::map<std::string, std::string>;  // lower-case names

struct AuthCase {
  const char* name;
  std::function<void(WebhookAuthConfig&)> configure;
  Headers headers;
  bool ok;
  const char* mentions = "";  // a part of the refusal reason
  std::string body = kBody;
  std::int64_t now_ms = kSignedAt;
};

void hmac(WebhookAuthConfig& c) {
  c.hmac_secret = kSecret;
}
void bearer(WebhookAuthConfig& c) {
  c.bearer_token = "vx-bearer-7e21";
}
void legacy(WebhookAuthConfig& c) {
  c.legacy_secret = "vx-legacy-90ab";
}

Headers signed_with(const std::string& signature, const std::string& timestamp = kTimestamp) {
  return {{"x-signature", signature}, {"x-timestamp", timestamp}};
}

class WebhookAuth : public ::testing::TestWithParam<AuthCase> {};

TEST_P(WebhookAuth, Decides) {
  const auto& c = GetParam();
  WebhookAuthConfig config;
  c.configure(config);
  const auto lookup = [&](std::string_view name) -> std::string_view {
    const auto found = c.headers.find(to_lower(name));
    return found == c.headers.end() ? std::string_view() : std::string_view(found->second);
  };
  const auto result = verify_webhook(config, lookup, c.body, c.now_ms);
  EXPECT_EQ(result.ok, c.ok) << result.reason;
  if (c.ok) {
    EXPECT_EQ(result.reason, "");
  }
  EXPECT_NE(result.reason.find(c.mentions), std::string::npos) << result.reason;
  for (const std::string& secret :
       {kSecret, std::string("vx-bearer-7e21"), std::string("vx-legacy-90ab"), kSha256})
    EXPECT_EQ(result.reason.find(secret), std::string::npos) << "the reason leaks " << secret;
}

const std::string kTampered =
    R"({"message":{"type":"status-update","status":"ended","call":{"id":"3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104"}}})";

INSTANTIATE_TEST_SUITE_P(
    Vapi, WebhookAuth,
    ::testing::Values(
        AuthCase{"hmac_sha256", hmac, signed_with(kSha256), true},
        AuthCase{"hmac_ms_timestamp", hmac, signed_with(kSha256Ms, "1749722465250"), true},
        AuthCase{"hmac_sha512",
                 [](auto& c) {
                   hmac(c);
                   c.algorithm = WebhookHmacAlgorithm::sha512;
                 },
                 signed_with(kSha512), true},
        AuthCase{"hmac_prefix",
                 [](auto& c) {
                   hmac(c);
                   c.signature_prefix = "sha256=";
                 },
                 signed_with("sha256=" + kSha256), true},
        AuthCase{"hmac_upper_case_hex", hmac, signed_with(upper_case(kSha256)), true},
        AuthCase{"hmac_custom_headers",
                 [](auto& c) {
                   hmac(c);
                   c.signature_header = "X-Vapi-Signature";
                   c.timestamp_header = "X-Vapi-Timestamp";
                 },
                 {{"x-vapi-signature", kSha256}, {"x-vapi-timestamp", kTimestamp}},
                 true},
        AuthCase{"hmac_wrong_secret", [](auto& c) { c.hmac_secret = "whsec_someone_else"; },
                 signed_with(kSha256), false, "HMAC: x-signature does not match"},
        AuthCase{"hmac_wrong_algorithm",
                 [](auto& c) {
                   hmac(c);
                   c.algorithm = WebhookHmacAlgorithm::sha512;
                 },
                 signed_with(kSha256), false, "does not match"},
        AuthCase{"hmac_tampered_body", hmac, signed_with(kSha256), false, "does not match",
                 kTampered},
        AuthCase{"hmac_body_one_byte_longer", hmac, signed_with(kSha256), false, "does not match",
                 kBody + "\n"},
        AuthCase{"hmac_tampered_timestamp", hmac, signed_with(kSha256, "1749722466"), false,
                 "does not match"},
        AuthCase{"hmac_stale", hmac, signed_with(kSha256), false,
                 "x-timestamp is 301 s old, outside the replay window of 300 s", kBody,
                 kSignedAt + 301'000},
        AuthCase{"hmac_future", hmac, signed_with(kSha256), false, "is 301 s ahead", kBody,
                 kSignedAt - 301'000},
        AuthCase{"hmac_inside_window", hmac, signed_with(kSha256), true, "", kBody,
                 kSignedAt + 299'000},
        AuthCase{"hmac_stale_ms", hmac, signed_with(kSha256Ms, "1749722465250"), false,
                 "outside the replay window", kBody, kSignedAt + 3'600'000},
        AuthCase{"hmac_narrow_window",
                 [](auto& c) {
                   hmac(c);
                   c.replay_window = std::chrono::seconds(30);
                 },
                 signed_with(kSha256), false, "replay window of 30 s", kBody, kSignedAt + 31'000},
        AuthCase{"hmac_no_signature",
                 hmac,
                 {{"x-timestamp", kTimestamp}},
                 false,
                 "HMAC: no x-signature header"},
        AuthCase{"hmac_no_timestamp",
                 hmac,
                 {{"x-signature", kSha256}},
                 false,
                 "HMAC: no x-timestamp header"},
        AuthCase{"hmac_bad_timestamp", hmac, signed_with(kSha256, "yesterday"), false,
                 "x-timestamp is not a Unix time"},
        AuthCase{"bearer_right", bearer, {{"authorization", "Bearer vx-bearer-7e21"}}, true},
        AuthCase{"bearer_scheme_case", bearer, {{"authorization", "bearer vx-bearer-7e21"}}, true},
        AuthCase{"bearer_wrong",
                 bearer,
                 {{"authorization", "Bearer vx-bearer-7e22"}},
                 false,
                 "bearer: authorization does not match"},
        AuthCase{"bearer_prefix_of_token",
                 bearer,
                 {{"authorization", "Bearer vx-bearer"}},
                 false,
                 "does not match"},
        AuthCase{"bearer_missing", bearer, {}, false, "bearer: no authorization header"},
        AuthCase{"bearer_custom_header_without_prefix",
                 [](auto& c) {
                   bearer(c);
                   c.bearer_header = "X-Webhook-Token";
                 },
                 {{"x-webhook-token", "vx-bearer-7e21"}},
                 true},
        AuthCase{"legacy_right", legacy, {{"x-vapi-secret", "vx-legacy-90ab"}}, true},
        AuthCase{"legacy_wrong",
                 legacy,
                 {{"x-vapi-secret", "vx-legacy-90ac"}},
                 false,
                 "legacy secret: x-vapi-secret does not match"},
        AuthCase{"legacy_in_authorization_is_not_legacy",
                 legacy,
                 {{"authorization", "Bearer vx-legacy-90ab"}},
                 false,
                 "legacy secret: no x-vapi-secret header"},
        AuthCase{"any_configured_form_matches",
                 [](auto& c) {
                   hmac(c);
                   bearer(c);
                   legacy(c);
                 },
                 {{"x-vapi-secret", "vx-legacy-90ab"}},
                 true},
        AuthCase{"every_form_says_why",
                 [](auto& c) {
                   hmac(c);
                   legacy(c);
                 },
                 {{"x-vapi-secret", "nope"}},
                 false,
                 "HMAC: no x-signature header; legacy secret: x-vapi-secret does not match"},
        AuthCase{"nothing_configured", [](auto&) {}, signed_with(kSha256), false,
                 "set [vapi].webhook_secret (VAPI_WEBHOOK_SECRET), [vapi].webhook_bearer_token "
                 "or [vapi].webhook_legacy_secret"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace voxgate
