#pragma once
// One Vapi server message (POST /api/webhooks/vapi, protocol section 4), reduced to the fields
// voxgate routes, broadcasts and keeps. Shapes: research/vapi-protocol.md section 2.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace voxgate {

// The message types that become live events; every other type is answered 200 and dropped.
enum class VapiMessageKind { status_update, transcript, end_of_call_report, other };

// Where an org id was found, for the routing log line: e.g. "call.metadata.orgId".
struct OrgHint {
  std::string_view source;  // a string literal: valid for the program's lifetime
  std::string org_id;
};

// One spoken line of the final transcript (end-of-call-report artifact.messages).
struct TranscriptSegment {
  std::string speaker;  // "agent" or "customer"
  std::string text;
  std::optional<std::int64_t> time_ms;       // when the line started, ms since the epoch
  std::optional<double> seconds_from_start;  // offset into the call
};

struct WebhookMessage {
  std::string type;  // message.type verbatim, e.g. "status-update"
  VapiMessageKind kind = VapiMessageKind::other;
  std::string call_id;                       // message.call.id; empty only for kind other
  std::optional<std::int64_t> timestamp_ms;  // message.timestamp

  // Routing: org hints in the protocol's order, then the assistant for the assistant->org map.
  std::vector<OrgHint> org_hints;
  std::string assistant_id;
  std::string customer_number;  // E.164 for phone calls; empty for web calls
  std::string call_type;        // call.type: inboundPhoneCall, outboundPhoneCall, webCall, ...

  std::string status;  // status-update: message.status (Vapi's spelling, e.g. "in-progress")

  // transcript
  std::string role;             // "user" or "assistant"
  std::string transcript_type;  // "partial" or "final"
  std::string text;

  // end-of-call-report (ended_reason also on status-update "ended")
  std::string ended_reason;
  std::string started_at;  // ISO-8601 as sent
  std::string ended_at;
  std::optional<std::int64_t> duration_seconds;  // endedAt - startedAt, rounded
  std::string recording_url;
  std::string summary;  // analysis.summary
  std::vector<TranscriptSegment> final_transcript;
};

struct WebhookParseError {
  std::string message;  // names the field, e.g. "message.type is missing"
};

// JSON nesting Vapi payloads need (an inline assistant's tool schemas nest deeply); deeper
// bodies are refused rather than parsed.
constexpr std::size_t kWebhookMaxDepth = 64;

// "agent" for Vapi's "assistant" and "bot", "customer" for "user", empty for any other role
// (system, tool calls), which is not speech.
std::string_view speaker_for_role(std::string_view role);

// Never throws; a body that is not a usable server message gives the first problem found.
std::variant<WebhookMessage, WebhookParseError> parse_webhook_message(std::string_view body);

}  // namespace voxgate
