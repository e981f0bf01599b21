// Vapi webhooks arrive from the internet at a public URL: authenticate, parse and map them.
//
// Input: a webhook body, such as tests/fixtures/vapi/*.json. An input that does not start with
// "{", "[" or white space begins with header lines ("x-signature: ...") and an empty line, then
// the body; the headers are checked against an HMAC secret, a bearer token and a legacy secret.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <map>

#include "fuzz_support.hpp"
#include "ops/text.hpp"
#include "vapi/redact.hpp"
#include "vapi/time_values.hpp"
#include "vapi/webhook_auth.hpp"
#include "vapi/webhook_mapping.hpp"
#include "vapi/webhook_message.hpp"

namespace {

using namespace voxgate;
namespace json = boost::json;

// The seeds' signatures were made for this secret and a timestamp near this time.
constexpr std::int64_t kNowMs = 1'749'722'465'250;
constexpr std::string_view kHmacSecret = "whsec_voxgate_fuzz";
constexpr std::string_view kBearer = "vx-bearer-fuzz-1234";
constexpr std::string_view kLegacy = "vx-legacy-fuzz-5678";

struct Request {
  std::map<std::string, std::string_view> headers;  // lower-case names
  std::string_view body;
};

Request split_request(std::string_view input) {
  Request out;
  if (input.empty() || input.front() == '{' || input.front() == '[' ||
      trim(input.substr(0, 1)).empty()) {
    out.body = input;
    return out;
  }
  while (!input.empty()) {
    const auto end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    if (trim(line).empty()) break;
    const auto colon = line.find(':');
    if (colon != std::string_view::npos)
      out.headers[to_lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  out.body = input;
  return out;
}

void check_auth(const Request& request) {
  WebhookAuthConfig config;
  config.hmac_secret = kHmacSecret;
  config.signature_prefix = "sha256=";
  config.bearer_token = kBearer;
  config.legacy_secret = kLegacy;
  const WebhookHeaderLookup header = [&](std::string_view name) -> std::string_view {
    const auto found = request.headers.find(to_lower(name));
    return found == request.headers.end() ? std::string_view() : found->second;
  };
  const auto result = verify_webhook(config, header, request.body, kNowMs);
  FUZZ_CHECK(result.ok == result.reason.empty());
  // The reason is logged and answered: it never repeats a secret.
  for (auto secret : {kHmacSecret, kBearer, kLegacy})
    FUZZ_CHECK(result.reason.find(secret) == std::string::npos);
}

// Every credential a body carries, at any depth, is gone from what a log line may show.
void check_redacted(const json::value& value) {
  if (const auto* array = value.if_array()) {
    for (const auto& item : *array) check_redacted(item);
  } else if (const auto* object = value.if_object()) {
    for (const auto& [key, field] : *object) {
      if (is_credential_key(key) && (field.is_string() || field.is_structured()))
        FUZZ_CHECK(field == json::value(kRedacted));
      else
        check_redacted(field);
    }
  }
}

void check_message(const WebhookMessage& m) {
  FUZZ_CHECK(!m.type.empty());
  if (m.kind != VapiMessageKind::other) FUZZ_CHECK(!m.call_id.empty());
  if (m.duration_seconds) FUZZ_CHECK(*m.duration_seconds >= 0);
  // Stored, then served as JSON by /api/calls/<id>: JSON has no infinity.
  for (const auto& segment : m.final_transcript) {
    FUZZ_CHECK(segment.speaker == "agent" || segment.speaker == "customer");
    if (segment.seconds_from_start) FUZZ_CHECK(std::isfinite(*segment.seconds_from_start));
  }
  if (!m.recording_url.empty()) FUZZ_CHECK(m.recording_url.starts_with("http"));

  for (const auto& event : live_events(m, kNowMs)) {
    FUZZ_CHECK(event.at("type").is_string());
    FUZZ_CHECK(event.at("vapiCallId") == json::value(m.call_id));
  }
  if (m.kind == VapiMessageKind::status_update && live_call_status(m.status))
    FUZZ_CHECK(live_events(m, kNowMs).size() == 1);
  const std::string key = delivery_key(m);
  FUZZ_CHECK(key.size() == 64 && key.find_first_not_of("0123456789abcdef") == std::string::npos);
  FUZZ_CHECK(key == delivery_key(m));
  parse_iso8601_ms(m.started_at);
  parse_iso8601_ms(m.ended_at);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Request request = split_request(fuzz::as_text(data, size));
  check_auth(request);

  // The log line shows the body as parsed, less its credentials (or only its size).
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = kWebhookMaxDepth;
  json::value parsed = json::parse(request.body, ec, {}, options);
  const std::string shown = redacted_body(request.body);
  if (ec) {
    FUZZ_CHECK(shown.starts_with("[unparseable body"));
  } else {
    redact_credentials(parsed);
    check_redacted(parsed);
    FUZZ_CHECK(shown == json::serialize(parsed));
  }

  auto message = parse_webhook_message(request.body);
  if (const auto* bad = std::get_if<WebhookParseError>(&message)) {
    FUZZ_CHECK(!bad->message.empty());
    return 0;
  }
  check_message(std::get<WebhookMessage>(message));
  return 0;
}
