#include "live/publish_request.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace voxgate {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxIdLength = 256;
constexpr std::size_t kMaxTypeLength = 64;

struct Problem {
  int status;
  std::string message;
};

bool is_type_name(std::string_view t) {
  if (t.empty() || t.size() > kMaxTypeLength) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

template <std::size_t N>
std::string one_of(const std::array<std::string_view, N>& names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : "|") + std::string(n);
  return out;
}

// Field checks for the types the protocol defines; other [a-z_]+ types pass through.
class EventFields {
 public:
  EventFields(json::object& event, std::string path) : e_(event), path_(std::move(path)) {}

  std::optional<Problem> string(std::string_view key, bool required) {
    const auto* v = e_.if_contains(key);
    if (!v || v->is_null()) return required ? missing(key) : std::nullopt;
    if (!v->is_string()) return wrong(key, "must be a string");
    return std::nullopt;
  }

  template <std::size_t N>
  std::optional<Problem> choice(std::string_view key,
                                const std::array<std::string_view, N>& names) {
    const auto* v = e_.if_contains(key);
    if (!v) return missing(key);
    if (v->is_string())
      for (auto n : names)
        if (v->get_string() == n) return std::nullopt;
    return wrong(key, "must be one of " + one_of(names));
  }

  std::optional<Problem> number(std::string_view key, bool required) {
    const auto* v = e_.if_contains(key);
    if (!v || v->is_null()) return required ? missing(key) : std::nullopt;
    if (!v->is_number()) return wrong(key, "must be a number");
    return std::nullopt;
  }

  std::optional<Problem> boolean(std::string_view key) {
    const auto* v = e_.if_contains(key);
    if (!v) return missing(key);
    if (!v->is_bool()) return wrong(key, "must be true or false");
    return std::nullopt;
  }

  std::optional<Problem> object(std::string_view key) {
    const auto* v = e_.if_contains(key);
    if (!v) return missing(key);
    if (!v->is_object()) return wrong(key, "must be an object");
    return std::nullopt;
  }

 private:
  std::optional<Problem> missing(std::string_view key) {
    return Problem{400, path_ + "." + std::string(key) + ": is required"};
  }
  std::optional<Problem> wrong(std::string_view key, const std::string& why) {
    return Problem{400, path_ + "." + std::string(key) + ": " + why};
  }
  json::object& e_;
  std::string path_;
};

constexpr std::array<std::string_view, 5> kStatuses{"connecting", "ringing", "in_progress", "ended",
                                                    "failed"};
constexpr std::array<std::string_view, 2> kSpeakers{"agent", "customer"};

std::optional<Problem> check_known_type(std::string_view type, json::object& event,
                                        const std::string& path, std::int64_t now_ms) {
  EventFields f(event, path);
  std::optional<Problem> p;
  auto first = [&](auto... checks) {
    for (auto& c : {checks...})
      if (c) return c;
    return std::optional<Problem>{};
  };
  if (type == "call_status") {
    p = first(f.string("vapiCallId", true), f.choice("status", kStatuses),
              f.string("trackingId", false), f.string("userId", false));
  } else if (type == "transcript" || type == "transcript_delta") {
    if (!event.contains("ts")) event["ts"] = now_ms;
    p = first(f.string("vapiCallId", true), f.choice("speaker", kSpeakers), f.string("text", true),
              f.number("ts", true));
    if (!p && type == "transcript")
      p = first(f.boolean("is_final"), f.number("confidence", false), f.string("trackingId", false),
                f.string("userId", false));
  } else if (type == "call_ended") {
    p = first(f.string("vapiCallId", true), f.number("durationSeconds", false),
              f.string("reason", false), f.string("trackingId", false));
  } else if (type == "recording_ready") {
    p = first(f.string("vapiCallId", true), f.string("recordingUrl", true));
  } else if (type == "metrics_update") {
    p = f.object("metrics");
  }
  return p;
}

// Boost.JSON reads a number beyond a double's range as infinity and writes it back as
// "Infinity", which no JSON parser reads: stored, it would break every subscriber.
bool has_infinity(const json::value& value) {
  if (value.is_double()) return !std::isfinite(value.get_double());
  if (const auto* array = value.if_array())
    return std::any_of(array->begin(), array->end(), has_infinity);
  if (const auto* object = value.if_object())
    return std::any_of(object->begin(), object->end(),
                       [](const auto& member) { return has_infinity(member.value()); });
  return false;
}

std::optional<Problem> read_envelope(json::value& item, const std::string& path,
                                     const PublishConfig& limits, std::int64_t now_ms,
                                     NewEvent& out) {
  if (!item.is_object()) return Problem{400, path + ": must be an object {orgId, userId?, event}"};
  auto& env = item.as_object();
  const auto* org = env.if_contains("orgId");
  if (!org || !org->is_string() || org->get_string().empty())
    return Problem{400, path + ".orgId: a non-empty string is required"};
  if (org->get_string().size() > kMaxIdLength)
    return Problem{400, path + ".orgId: longer than 256 characters"};
  out.org_id = org->get_string();
  if (const auto* user = env.if_contains("userId"); user && !user->is_null()) {
    if (!user->is_string() || user->get_string().empty() ||
        user->get_string().size() > kMaxIdLength)
      return Problem{400, path + ".userId: must be a non-empty string of at most 256 characters"};
    out.user_id = user->get_string();
  }
  auto* ev = env.if_contains("event");
  if (!ev || !ev->is_object()) return Problem{400, path + ".event: an object is required"};
  auto& event = ev->as_object();
  const auto* type = event.if_contains("type");
  if (!type || !type->is_string() || !is_type_name(type->get_string()))
    return Problem{400, path + ".event.type: a string of a-z and _ (at most 64) is required"};
  out.type = type->get_string();
  // The gateway assigns id and orgId; a publisher cannot forge them.
  event.erase("id");
  event.erase("orgId");
  if (auto p = check_known_type(out.type, event, path + ".event", now_ms)) return p;
  // The scope is the envelope's user, else the user the event itself names.
  if (out.user_id.empty()) {
    if (const auto* u = event.if_contains("userId"); u && u->is_string())
      out.user_id = u->get_string();
  } else {
    event["userId"] = out.user_id;
  }
  out.body = json::serialize(event);
  if (out.body.size() > limits.event_bytes)
    return Problem{413, path + ".event: " + std::to_string(out.body.size()) +
                            " bytes, over the limit of " + std::to_string(limits.event_bytes) +
                            " ([publish].event_bytes)"};
  out.ts_ms = now_ms;
  return std::nullopt;
}

}  // namespace

std::variant<std::vector<NewEvent>, PublishRejection> parse_publish_body(
    std::string_view body, const PublishConfig& limits, std::int64_t now_ms) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return PublishRejection{400, "body is not valid JSON: " + ec.message()};
  if (has_infinity(doc))
    return PublishRejection{400, "body has a number beyond the range of a double (1.8e308)"};
  std::vector<NewEvent> events;
  auto one = [&](json::value& item, const std::string& path) -> std::optional<Problem> {
    NewEvent e;
    if (auto p = read_envelope(item, path, limits, now_ms, e)) return p;
    events.push_back(std::move(e));
    return std::nullopt;
  };
  if (doc.is_array()) {
    auto& items = doc.as_array();
    if (items.empty()) return PublishRejection{400, "body is an empty array: nothing to publish"};
    if (items.size() > limits.max_batch)
      return PublishRejection{413, std::to_string(items.size()) + " events in one request, over " +
                                       std::to_string(limits.max_batch) + " ([publish].max_batch)"};
    events.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
      if (auto p = one(items[i], "[" + std::to_string(i) + "]"))
        return PublishRejection{p->status, std::move(p->message)};
  } else if (auto p = one(doc, "body")) {
    return PublishRejection{p->status, std::move(p->message)};
  }
  return events;
}

}  // namespace voxgate
