#include "vapi/webhook_mapping.hpp"

#include <openssl/sha.h>

#include <array>

#include "vapi/hex.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

json::object call_status_event(const WebhookMessage& m) {
  const auto status = live_call_status(m.status);
  if (!status) return {};
  return {{"type", "call_status"}, {"vapiCallId", m.call_id}, {"status", *status}};
}

json::object transcript_event(const WebhookMessage& m, std::int64_t now_ms) {
  return {{"type", "transcript"},
          {"vapiCallId", m.call_id},
          {"speaker", speaker_for_role(m.role)},
          {"text", m.text},
          {"is_final", m.transcript_type == "final"},
          {"ts", m.timestamp_ms.value_or(now_ms)}};
}

json::object call_ended_event(const WebhookMessage& m) {
  json::object e{{"type", "call_ended"}, {"vapiCallId", m.call_id}};
  if (!m.ended_reason.empty()) e["reason"] = m.ended_reason;
  if (m.duration_seconds) e["durationSeconds"] = *m.duration_seconds;
  return e;
}

// Length-prefixed, so ("ab","c") and ("a","bc") hash differently.
void add_field(std::string& input, std::string_view field) {
  input += std::to_string(field.size());
  input += ':';
  input += field;
}

}  // namespace

std::optional<std::string_view> live_call_status(std::string_view vapi_status) {
  if (vapi_status == "ringing") return "ringing";
  if (vapi_status == "in-progress") return "in_progress";
  if (vapi_status == "ended") return "ended";
  // Not in protocol section 4's table: queued is Vapi setting the call up (connecting), and
  // forwarding is a transfer of a call that is still live (in_progress).
  if (vapi_status == "queued") return "connecting";
  if (vapi_status == "forwarding") return "in_progress";
  return std::nullopt;
}

std::vector<boost::json::object> live_events(const WebhookMessage& m, std::int64_t now_ms) {
  std::vector<json::object> events;
  switch (m.kind) {
    case VapiMessageKind::status_update:
      if (auto e = call_status_event(m); !e.empty()) events.push_back(std::move(e));
      break;
    case VapiMessageKind::transcript:
      events.push_back(transcript_event(m, now_ms));
      break;
    case VapiMessageKind::end_of_call_report:
      events.push_back(call_ended_event(m));
      if (!m.recording_url.empty())
        events.push_back(json::object{{"type", "recording_ready"},
                                      {"vapiCallId", m.call_id},
                                      {"recordingUrl", m.recording_url}});
      break;
    case VapiMessageKind::other:
      break;
  }
  return events;
}

std::string delivery_key(const WebhookMessage& m) {
  // Keyed on what names the message, not the delivery: a retry carries new presigned URLs (so no
  // body hash) and Vapi does not say it keeps `timestamp`. A call reaches each status once and
  // has one end-of-call-report, so those omit the timestamp; a transcript line can repeat
  // ("yes", "yes"), so it needs the timestamp; other types use type, call and timestamp.
  const std::string timestamp = m.timestamp_ms ? std::to_string(*m.timestamp_ms) : "";
  std::string input;
  add_field(input, m.type);
  add_field(input, m.call_id);
  switch (m.kind) {
    case VapiMessageKind::status_update:
      add_field(input, m.status);
      break;
    case VapiMessageKind::transcript:
      add_field(input, timestamp);
      add_field(input, m.role);
      add_field(input, m.transcript_type);
      add_field(input, m.text);
      break;
    case VapiMessageKind::end_of_call_report:
      break;
    case VapiMessageKind::other:
      add_field(input, timestamp);
      break;
  }
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return lower_hex({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

}  // namespace voxgate
