#include "app/webhook_route.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "app/json_response.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"
#include "vapi/redact.hpp"
#include "vapi/time_values.hpp"
#include "vapi/webhook_auth.hpp"
#include "vapi/webhook_mapping.hpp"
#include "vapi/webhook_message.hpp"

namespace voxgate {
namespace {

WebhookAuthConfig auth_config(const VapiConfig& vapi) {
  WebhookAuthConfig c;
  c.hmac_secret = vapi.webhook_secret;
  c.signature_header = vapi.webhook_signature_header;
  c.timestamp_header = vapi.webhook_timestamp_header;
  c.signature_prefix = vapi.webhook_signature_prefix;
  c.algorithm = vapi.webhook_algorithm == "sha512" ? WebhookHmacAlgorithm::sha512
                                                   : WebhookHmacAlgorithm::sha256;
  c.replay_window = std::chrono::duration_cast<std::chrono::seconds>(vapi.webhook_replay_window);
  c.bearer_token = vapi.webhook_bearer_token;
  c.bearer_header = vapi.webhook_bearer_header;
  c.legacy_secret = vapi.webhook_legacy_secret;
  return c;
}

std::string configured_org(const VapiConfig& vapi, std::string_view assistant_id) {
  if (assistant_id.empty()) return {};
  for (const auto& pair : vapi.assistant_orgs) {
    auto eq = pair.find('=');
    if (std::string_view(pair).substr(0, eq) == assistant_id) return pair.substr(eq + 1);
  }
  return {};
}

std::vector<TranscriptLine> lines_of(const std::vector<TranscriptSegment>& segments) {
  std::vector<TranscriptLine> out;
  for (const auto& s : segments)
    out.push_back({s.speaker, s.text, s.time_ms, s.seconds_from_start});
  return out;
}

// The call's changes this message reports; partial transcripts are streamed, never stored.
CallUpdate call_update(const WebhookMessage& m, std::int64_t now_ms) {
  CallUpdate u;
  u.call_id = m.call_id;
  u.assistant_id = m.assistant_id;
  u.customer_number = m.customer_number;
  u.call_type = m.call_type;
  u.event_ms = m.timestamp_ms.value_or(now_ms);
  switch (m.kind) {
    case VapiMessageKind::status_update:
      if (auto status = live_call_status(m.status)) u.status = *status;
      u.ended_reason = m.ended_reason;
      break;
    case VapiMessageKind::transcript:
      if (m.transcript_type == "final")
        u.append_lines.push_back(
            {std::string(speaker_for_role(m.role)), m.text, u.event_ms, std::nullopt});
      break;
    case VapiMessageKind::end_of_call_report:
      u.status = "ended";
      u.started_ms = parse_iso8601_ms(m.started_at);
      u.ended_ms = parse_iso8601_ms(m.ended_at);
      if (m.duration_seconds) u.duration_seconds = static_cast<double>(*m.duration_seconds);
      u.ended_reason = m.ended_reason;
      u.recording_url = m.recording_url;
      u.summary = m.summary;
      if (!m.final_transcript.empty()) u.replace_transcript = lines_of(m.final_transcript);
      break;
    case VapiMessageKind::other:
      break;
  }
  return u;
}

WebhookRecord record_of(const WebhookMessage& m, const VapiConfig& vapi, std::int64_t now_ms) {
  WebhookRecord r;
  r.delivery_key = delivery_key(m);
  for (const auto& hint : m.org_hints) r.org_hints.emplace_back(hint.source, hint.org_id);
  r.config_org = configured_org(vapi, m.assistant_id);
  r.call = call_update(m, now_ms);
  for (auto& event : live_events(m, now_ms)) {
    NewEvent e;
    e.type = event.at("type").as_string();
    e.ts_ms = now_ms;
    e.body = boost::json::serialize(event);
    r.events.push_back(std::move(e));
  }
  return r;
}

// What the answer and the log lines say about a delivery once the log has recorded it.
struct Delivery {
  std::string type, call_id, assistant_id;
  std::string shown;  // the redacted body, only when debug logging is on
};

HttpResponse answer(const Delivery& d, const WebhookOutcome& out) {
  switch (out.status) {
    case WebhookStatus::stored: {
      metrics().webhooks.with({"stored"}).inc();
      boost::json::array ids;
      for (const auto& id : out.ids) ids.emplace_back(id);
      return json_response(http::status::ok,
                           {{"received", d.type}, {"orgId", out.org_id}, {"ids", ids}});
    }
    case WebhookStatus::duplicate:
      metrics().webhooks.with({"duplicate"}).inc();
      return json_response(http::status::ok, {{"received", d.type}, {"duplicate", true}});
    case WebhookStatus::unroutable:
      metrics().webhooks.with({"unroutable"}).inc();
      log::warn("Vapi webhook has no org",
                {{"type", d.type},
                 {"vapiCallId", d.call_id},
                 {"assistantId", d.assistant_id},
                 {"fix",
                  "put orgId in the assistant's metadata, or map the assistant in "
                  "[vapi].assistant_orgs"}});
      if (!d.shown.empty()) log::debug("Vapi webhook without org", {{"body", d.shown}});
      return json_response(http::status::accepted,
                           {{"received", d.type},
                            {"routed", false},
                            {"reason",
                             "no org for this call: none stored, none in metadata, and the "
                             "assistant is not mapped"}});
    case WebhookStatus::failed:
      break;
  }
  metrics().webhooks.with({"failed"}).inc();
  return json_error(http::status::service_unavailable, "call store unavailable: " + out.error);
}

void receive(EventLog& log, const HttpRequest& req, const Settings& settings, Respond respond) {
  const auto& vapi = settings.config.vapi;
  auto now = unix_millis_now();
  auto header = [&req](std::string_view name) -> std::string_view { return req[name]; };
  auto auth = verify_webhook(auth_config(vapi), header, req.body(), now);
  if (!auth.ok) {
    metrics().webhooks.with({"unauthorized"}).inc();
    log::warn("Vapi webhook refused", {{"reason", auth.reason}});
    return respond(json_error(http::status::unauthorized, auth.reason));
  }
  // Bodies carry telephony credentials: they are only ever logged redacted.
  bool debug = log::enabled(log::Level::debug);
  auto parsed = parse_webhook_message(req.body());
  if (auto* bad = std::get_if<WebhookParseError>(&parsed)) {
    metrics().webhooks.with({"malformed"}).inc();
    if (debug)
      log::debug("Vapi webhook malformed",
                 {{"reason", bad->message}, {"body", redacted_body(req.body())}});
    return respond(json_error(http::status::bad_request, bad->message));
  }
  const auto& message = std::get<WebhookMessage>(parsed);
  if (message.kind == VapiMessageKind::other) {
    metrics().webhooks.with({"ignored"}).inc();
    return respond(json_response(http::status::ok, {{"received", message.type}}));
  }
  Delivery d{message.type, message.call_id, message.assistant_id,
             debug ? redacted_body(req.body()) : std::string()};
  log.record_webhook(record_of(message, vapi, now),
                     [respond = std::move(respond), d = std::move(d)](WebhookOutcome out) {
                       respond(answer(d, out));
                     });
}

}  // namespace

HttpRoute make_vapi_webhook_route(EventLog& log) {
  return HttpRoute{http::verb::post, "/api/webhooks/vapi", false, "/api/webhooks/vapi",
                   [&log](const HttpRequest& req, const Settings& settings, Respond respond) {
                     receive(log, req, settings, std::move(respond));
                   }};
}

}  // namespace voxgate
