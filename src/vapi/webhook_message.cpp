#include "vapi/webhook_message.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <cmath>
#include <exception>
#include <initializer_list>
#include <limits>

#include "vapi/time_values.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

// The value at a dotted `path` ("call.metadata.orgId") below `root`; nullptr when a step is
// missing or not an object. Vapi's keys never contain dots.
const json::value* at(const json::object& root, std::string_view path) {
  const json::object* object = &root;
  const json::value* found = nullptr;
  while (object) {
    const auto dot = path.find('.');
    found = object->if_contains(path.substr(0, dot));
    if (!found || dot == std::string_view::npos) return found;
    path.remove_prefix(dot + 1);
    object = found->if_object();
  }
  return nullptr;
}

std::string string_at(const json::object& root, std::string_view path) {
  const auto* v = at(root, path);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The first non-empty string among `paths`.
std::string first_string(const json::object& root, std::initializer_list<std::string_view> paths) {
  for (auto path : paths)
    if (auto s = string_at(root, path); !s.empty()) return s;
  return {};
}

std::optional<std::int64_t> integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= std::numeric_limits<std::int64_t>::max())
    return static_cast<std::int64_t>(v.get_uint64());
  // 9.2e18 is the largest double below 2^63, so the cast cannot overflow.
  if (v.is_double() && std::isfinite(v.get_double()) && std::fabs(v.get_double()) < 9.2e18)
    return static_cast<std::int64_t>(v.get_double());
  return std::nullopt;
}

std::optional<std::int64_t> epoch_ms(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_string()) return parse_iso8601_ms(v->get_string());
  if (auto n = integer(*v)) return epoch_ms_from_seconds_or_ms(*n);
  return std::nullopt;
}

WebhookParseError problem(std::string text) {
  return WebhookParseError{std::move(text)};
}

// A field the message cannot be used without; the error names it by its path in the body.
std::optional<WebhookParseError> required_string(const json::object& message, std::string_view path,
                                                 std::string& out) {
  const std::string name = "message." + std::string(path);
  const auto* v = at(message, path);
  if (!v || v->is_null()) return problem(name + " is missing");
  if (!v->is_string()) return problem(name + " must be a string");
  if (v->get_string().empty()) return problem(name + " is empty");
  out = v->get_string();
  return std::nullopt;
}

VapiMessageKind kind_of(std::string_view type) {
  if (type == "status-update") return VapiMessageKind::status_update;
  // "transcript[transcriptType=\"final\"]" is what a finals-only subscription delivers.
  if (type == "transcript" || type.starts_with("transcript[")) return VapiMessageKind::transcript;
  if (type == "end-of-call-report") return VapiMessageKind::end_of_call_report;
  return VapiMessageKind::other;
}

// Protocol section 4's order; metadata is ours (set when the call was created), call.orgId is
// Vapi's own org and says nothing about the tenant.
constexpr std::array<std::string_view, 4> kOrgHintPaths{
    "call.assistantOverrides.metadata.orgId", "call.assistantOverrides.metadata.org_id",
    "call.metadata.orgId", "call.metadata.org_id"};

void read_routing(const json::object& message, WebhookMessage& out) {
  for (auto path : kOrgHintPaths)
    if (auto org = string_at(message, path); !org.empty())
      out.org_hints.push_back(OrgHint{path, std::move(org)});
  // message.assistantId on a transcript names the speaking member of a squad: last resort.
  out.assistant_id = first_string(
      message, {"call.assistantId", "assistant.id", "call.assistant.id", "assistantId"});
  out.customer_number = first_string(message, {"customer.number", "call.customer.number"});
  out.call_type = string_at(message, "call.type");
}

std::optional<WebhookParseError> read_transcript(const json::object& message, WebhookMessage& out) {
  if (auto p = required_string(message, "role", out.role)) return p;
  if (out.role != "user" && out.role != "assistant")
    return problem("message.role must be \"user\" or \"assistant\", not \"" + out.role + "\"");
  out.transcript_type = string_at(message, "transcriptType");
  if (out.transcript_type.empty() && out.type != "transcript")
    out.transcript_type = "final";  // the finals-only subscription may leave it out
  if (out.transcript_type != "partial" && out.transcript_type != "final")
    return problem(out.transcript_type.empty()
                       ? "message.transcriptType is missing"
                       : "message.transcriptType must be \"partial\" or \"final\"");
  const auto* text = message.if_contains("transcript");
  if (!text || text->is_null()) return problem("message.transcript is missing");
  if (!text->is_string()) return problem("message.transcript must be a string");
  out.text = text->get_string();
  return std::nullopt;
}

// A dashboard renders the URL as a link, so only web URLs pass.
bool is_web_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

std::string recording_url(const json::object& message) {
  // Newest shape first: artifact.recording (2025), then the deprecated flat artifact fields,
  // then the 2024 top-level fields third-party code still reads.
  constexpr std::array<std::string_view, 8> kPaths{
      "artifact.recording.mono.combinedUrl",
      "artifact.recordingUrl",
      "artifact.recording.stereoUrl",
      "artifact.stereoRecordingUrl",
      "recordingUrl",
      "stereoRecordingUrl",
      "call.artifact.recordingUrl",
      "call.recordingUrl",
  };
  for (auto path : kPaths)
    if (auto url = string_at(message, path); is_web_url(url)) return url;
  return {};
}

std::vector<TranscriptSegment> final_transcript(const json::object& message) {
  std::vector<TranscriptSegment> segments;
  const auto* messages = at(message, "artifact.messages");
  if (!messages || !messages->is_array()) messages = at(message, "call.artifact.messages");
  if (!messages || !messages->is_array()) return segments;
  for (const auto& item : messages->get_array()) {
    const auto* line = item.if_object();
    if (!line) continue;
    const auto* role = line->if_contains("role");
    const auto* text = line->if_contains("message");
    if (!role || !role->is_string() || !text || !text->is_string()) continue;
    const auto speaker = speaker_for_role(role->get_string());
    if (speaker.empty()) continue;  // system prompt, tool calls and their results
    TranscriptSegment segment{std::string(speaker), std::string(text->get_string()), {}, {}};
    segment.time_ms = epoch_ms(line->if_contains("time"));
    // A number beyond a double's range parses as infinity, which JSON cannot carry back out.
    if (const auto* offset = line->if_contains("secondsFromStart"); offset && offset->is_number())
      if (const double seconds = offset->to_number<double>(); std::isfinite(seconds))
        segment.seconds_from_start = seconds;
    segments.push_back(std::move(segment));
  }
  return segments;
}

void read_end_report(const json::object& message, WebhookMessage& out) {
  out.started_at = first_string(message, {"startedAt", "call.startedAt"});
  out.ended_at = first_string(message, {"endedAt", "call.endedAt"});
  const auto started = parse_iso8601_ms(out.started_at);
  const auto ended = parse_iso8601_ms(out.ended_at);
  if (started && ended && *ended >= *started)
    out.duration_seconds = (*ended - *started + 500) / 1000;
  out.recording_url = recording_url(message);
  // message.summary is the 2024 shape, absent from every current schema.
  out.summary = first_string(message, {"analysis.summary", "call.analysis.summary", "summary"});
  out.final_transcript = final_transcript(message);
}

std::variant<WebhookMessage, WebhookParseError> read_message(std::string_view body) {
  json::parse_options options;
  options.max_depth = kWebhookMaxDepth;
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec, {}, options);
  if (ec == json::error::too_deep)
    return problem("body is nested deeper than " + std::to_string(kWebhookMaxDepth) + " levels");
  if (ec) return problem("body is not valid JSON: " + ec.message());
  if (!doc.is_object()) return problem("body must be a JSON object {\"message\":{...}}");
  const auto* envelope = doc.get_object().if_contains("message");
  if (!envelope || envelope->is_null()) return problem("message is missing");
  if (!envelope->is_object()) return problem("message must be an object");
  const auto& message = envelope->get_object();

  WebhookMessage out;
  if (auto p = required_string(message, "type", out.type)) return *p;
  out.kind = kind_of(out.type);
  if (const auto* call = message.if_contains("call");
      call && !call->is_null() && !call->is_object())
    return problem("message.call must be an object");
  if (out.kind == VapiMessageKind::other) {
    out.call_id = string_at(message, "call.id");  // chat and session events have no call
  } else if (auto p = required_string(message, "call.id", out.call_id)) {
    return *p;
  }
  out.timestamp_ms = epoch_ms(message.if_contains("timestamp"));
  read_routing(message, out);
  out.ended_reason = first_string(message, {"endedReason", "call.endedReason"});

  switch (out.kind) {
    case VapiMessageKind::status_update:
      if (auto p = required_string(message, "status", out.status)) return *p;
      break;
    case VapiMessageKind::transcript:
      if (auto p = read_transcript(message, out)) return *p;
      break;
    case VapiMessageKind::end_of_call_report:
      read_end_report(message, out);
      break;
    case VapiMessageKind::other:
      break;
  }
  return out;
}

}  // namespace

std::string_view speaker_for_role(std::string_view role) {
  // Vapi says "assistant" in live messages and "bot" in the artifact's messages.
  if (role == "assistant" || role == "bot") return "agent";
  if (role == "user") return "customer";
  return {};
}

std::variant<WebhookMessage, WebhookParseError> parse_webhook_message(std::string_view body) {
  try {
    return read_message(body);
  } catch (const std::exception& e) {
    return problem(std::string("body could not be read: ") + e.what());  // e.g. out of memory
  }
}

}  // namespace voxgate
