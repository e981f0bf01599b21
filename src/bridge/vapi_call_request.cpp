#include "bridge/vapi_call_request.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>

namespace voxgate {
namespace {

namespace json = boost::json;

const json::string* string_at(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

// Vapi's error body: {"message": "..." | ["...", ...], "error": "Bad Request", "statusCode": 400}.
std::string error_message(const json::object& obj) {
  const json::value* message = obj.if_contains("message");
  if (message && message->is_string()) return std::string(message->get_string());
  std::string joined;
  if (message && message->is_array()) {
    for (const json::value& item : message->get_array()) {
      if (!joined.empty()) joined += "; ";
      joined += item.is_string() ? std::string(item.get_string()) : json::serialize(item);
    }
  }
  return joined;
}

std::string status_name(unsigned status, const json::object* obj) {
  if (const json::string* error = obj ? string_at(*obj, "error") : nullptr)
    return provider_text(*error, 80);
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return reason == "<unknown-status>" ? std::string() : std::string(reason);
}

ProviderError refused(unsigned status, std::string_view body) {
  json::value parsed;
  boost::system::error_code ec;
  parsed = json::parse(body, ec);
  const json::object* obj = !ec && parsed.is_object() ? &parsed.get_object() : nullptr;

  std::string text = "Vapi answered " + std::to_string(status);
  if (auto name = status_name(status, obj); !name.empty()) text += " " + name;
  std::string message = obj ? error_message(*obj) : std::string(body);
  if (!obj) {
    // Not JSON (a proxy's or Cloudflare's page): its first line says the most.
    message = message.substr(0, message.find('\n'));
  }
  if (!message.empty()) text += ": " + provider_text(message);
  return ProviderError{502, std::move(text)};
}

}  // namespace

std::string provider_text(std::string_view text, std::size_t limit) {
  std::size_t end = text.size();
  if (end > limit) {
    end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  }
  std::string out;
  out.reserve(end + 3);
  for (char c : text.substr(0, end)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? ' ' : c;
  }
  if (end < text.size()) out += "...";
  return out;
}

std::string vapi_call_body(const ProviderCallRequest& request) {
  json::object body;
  if (!request.assistant_id.empty()) body["assistantId"] = request.assistant_id;
  body["transport"] = {
      {"provider", "vapi.websocket"},
      {"audioFormat", {{"format", "pcm_s16le"}, {"container", "raw"}, {"sampleRate", 16000}}}};
  body["assistantOverrides"] = {{"metadata",
                                 {{"orgId", request.org_id},
                                  {"userId", request.user_id},
                                  {"trackingId", request.tracking_id}}}};
  return json::serialize(body);
}

std::string vapi_call_target(std::string_view base_target) {
  const auto query_at = base_target.find('?');
  std::string_view path = base_target.substr(0, query_at);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string target = std::string(path) + "/call";
  if (query_at != std::string_view::npos) target += base_target.substr(query_at);
  return target;
}

CreateCallResult parse_vapi_call_response(unsigned status, std::string_view body) {
  if (status < 200 || status > 299) return refused(status, body);
  const std::string answered = "Vapi answered " + std::to_string(status);
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object())
    return ProviderError{502, answered + " with a body that is not a JSON object"};
  const json::object& call = parsed.get_object();

  const json::string* id = string_at(call, "id");
  if (!id || id->empty()) return ProviderError{502, answered + " without the call's \"id\""};
  const json::value* transport = call.if_contains("transport");
  const json::string* url = transport && transport->is_object()
                                ? string_at(transport->get_object(), "websocketCallUrl")
                                : nullptr;
  if (!url || url->empty()) {
    return ProviderError{502, answered +
                                  " without \"transport.websocketCallUrl\": is the call's "
                                  "transport vapi.websocket?"};
  }
  return ProviderCall{std::string(*id), std::string(*url)};
}

std::string seconds_text(Millis duration) {
  char text[32];
  const auto ms = duration.count();
  if (ms % 1000 == 0) {
    std::snprintf(text, sizeof text, "%lld s", static_cast<long long>(ms / 1000));
  } else {
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  }
  return text;
}

std::string vapi_timeout_message(Millis timeout) {
  return "Vapi did not answer within " + seconds_text(timeout);
}

std::string without_secret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMark = "[redacted]";
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kMark.size())) {
    text.replace(at, secret.size(), kMark);
  }
  return text;
}

}  // namespace voxgate
