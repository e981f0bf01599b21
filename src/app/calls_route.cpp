#include "app/calls_route.hpp"

#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include "app/json_response.hpp"
#include "app/user_auth.hpp"
#include "ops/clock.hpp"
#include "vapi/time_values.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 100;
constexpr std::size_t kMaxCallId = 128;
constexpr std::string_view kCallPrefix = "/api/calls/";

void put_time(json::object& o, std::string_view key, const std::optional<std::int64_t>& ms) {
  o[key] = ms ? json::value(iso8601_from_millis(*ms)) : json::value(nullptr);
}

void put_text(json::object& o, std::string_view key, const std::string& text) {
  o[key] = text.empty() ? json::value(nullptr) : json::value(text);
}

json::object call_json(const CallRecord& c) {
  json::object o;
  o["vapiCallId"] = c.call_id;
  o["orgId"] = c.org_id;
  put_text(o, "status", c.status);
  put_text(o, "assistantId", c.assistant_id);
  put_text(o, "customerNumber", c.customer_number);
  put_text(o, "type", c.call_type);
  put_text(o, "trackingId", c.tracking_id);
  put_text(o, "userId", c.user_id);
  put_time(o, "startedAt", c.started_ms);
  put_time(o, "endedAt", c.ended_ms);
  o["durationSeconds"] = c.duration_seconds ? json::value(*c.duration_seconds) : nullptr;
  put_text(o, "endedReason", c.ended_reason);
  put_text(o, "recordingUrl", c.recording_url);
  put_text(o, "summary", c.summary);
  o["createdAt"] = iso8601_from_millis(c.created_ms);
  o["updatedAt"] = iso8601_from_millis(c.updated_ms);
  return o;
}

json::array transcript_json(const std::vector<TranscriptLine>& lines) {
  json::array out;
  for (const auto& l : lines) {
    json::object o{{"speaker", l.speaker}, {"text", l.text}};
    o["ts"] = l.ts_ms ? json::value(*l.ts_ms) : nullptr;
    o["secondsFromStart"] = l.seconds_from_start ? json::value(*l.seconds_from_start) : nullptr;
    out.push_back(std::move(o));
  }
  return out;
}

// A time bound: ISO-8601 or milliseconds since the epoch.
std::optional<std::int64_t> parse_time(std::string_view text) {
  std::int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc() && end == text.data() + text.size()) return ms;
  return parse_iso8601_ms(text);
}

// The list query from the URL, or the 400 that names the bad parameter.
std::variant<CallQuery, HttpResponse> list_query(const HttpRequest& req, std::string org) {
  CallQuery q;
  q.org_id = std::move(org);
  q.limit = kDefaultLimit;
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return json_error(http::status::bad_request, "malformed request target");
  for (auto param : url->params()) {
    std::string_view key = param.key, value = param.value;
    if (key == "status") {
      static constexpr std::string_view known[] = {"connecting", "ringing", "in_progress", "ended",
                                                   "failed"};
      if (std::find(std::begin(known), std::end(known), value) == std::end(known))
        return json_error(http::status::bad_request,
                          "status: one of connecting, ringing, in_progress, ended, failed");
      q.status = std::string(value);
    } else if (key == "from" || key == "to") {
      auto ms = parse_time(value);
      if (!ms)
        return json_error(http::status::bad_request,
                          std::string(key) + ": an ISO-8601 time with a zone, or ms since 1970");
      (key == "from" ? q.from_ms : q.to_ms) = ms;
    } else if (key == "limit") {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n == 0 || n > kMaxLimit)
        return json_error(http::status::bad_request,
                          "limit: a number from 1 to " + std::to_string(kMaxLimit));
      q.limit = n;
    } else if (key == "cursor") {
      q.cursor = std::string(value);
    } else {
      return json_error(http::status::bad_request, "unknown parameter \"" + std::string(key) +
                                                       "\"; use status, from, to, limit or cursor");
    }
  }
  return q;
}

HttpResponse store_unavailable(const std::string& what) {
  return json_error(http::status::service_unavailable, "call store unavailable: " + what);
}

void list_calls(EventLog& log, const HttpRequest& req, const Settings& settings, Respond respond) {
  auto who = authenticate_user(req, settings);
  if (auto* res = std::get_if<HttpResponse>(&who)) return respond(std::move(*res));
  auto query = list_query(req, std::get<UserIdentity>(who).org_id);
  if (auto* res = std::get_if<HttpResponse>(&query)) return respond(std::move(*res));
  log.read_calls([respond, q = std::get<CallQuery>(std::move(query))](CallStore* calls) {
    if (!calls) return respond(store_unavailable("not configured"));
    try {
      CallPage page = calls->list_calls(q);
      json::array items;
      for (const auto& c : page.calls) items.push_back(call_json(c));
      json::object body{{"calls", std::move(items)}};
      body["nextCursor"] =
          page.next_cursor.empty() ? json::value(nullptr) : json::value(page.next_cursor);
      respond(json_response(http::status::ok, body));
    } catch (const BadCursor&) {
      respond(json_error(http::status::bad_request,
                         "cursor: not one this server handed out; start again without it"));
    } catch (const std::exception& e) {
      respond(store_unavailable(e.what()));
    }
  });
}

void get_call(EventLog& log, const HttpRequest& req, const Settings& settings, Respond respond) {
  auto who = authenticate_user(req, settings);
  if (auto* res = std::get_if<HttpResponse>(&who)) return respond(std::move(*res));
  std::string id(request_path(req.target()).substr(kCallPrefix.size()));
  if (id.empty() || id.size() > kMaxCallId || id.find('/') != std::string::npos)
    return respond(json_error(http::status::not_found, "no such call"));
  log.read_calls([respond, id, org = std::get<UserIdentity>(who).org_id](CallStore* calls) {
    if (!calls) return respond(store_unavailable("not configured"));
    try {
      // Another org's call answers exactly like a missing one: ids are not confirmed.
      auto detail = calls->get_call(org, id);
      if (!detail) return respond(json_error(http::status::not_found, "no such call"));
      json::object body = call_json(detail->call);
      body["transcript"] = transcript_json(detail->transcript);
      respond(json_response(http::status::ok, body));
    } catch (const std::exception& e) {
      respond(store_unavailable(e.what()));
    }
  });
}

}  // namespace

std::vector<HttpRoute> make_calls_routes(EventLog& log) {
  return {
      HttpRoute{http::verb::get, "/api/calls", false, "/api/calls",
                [&log](const HttpRequest& req, const Settings& s, Respond respond) {
                  list_calls(log, req, s, std::move(respond));
                }},
      HttpRoute{http::verb::get, std::string(kCallPrefix), true, "/api/calls/:id",
                [&log](const HttpRequest& req, const Settings& s, Respond respond) {
                  get_call(log, req, s, std::move(respond));
                }},
  };
}

}  // namespace voxgate
