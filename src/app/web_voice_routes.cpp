#include "app/web_voice_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "app/json_response.hpp"
#include "app/public_host.hpp"
#include "app/user_auth.hpp"
#include "bridge/tracking_id.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "/api/web-voice/";
constexpr std::size_t kMaxAssistantId = 128;

// Where the browser connects: the host it used to reach us; never a user id.
std::optional<std::string> bridge_url(const HttpRequest& req, const Settings& settings,
                                      const std::string& tracking_id) {
  auto at = public_host(req, settings);
  if (!at) return std::nullopt;
  return std::string(at->secure ? "wss://" : "ws://") + at->host + std::string(kPrefix) +
         tracking_id;
}

// The assistant named by the body, else the configured default; or why the body is wrong.
struct AssistantChoice {
  std::string id;
  std::string error;
};

AssistantChoice assistant_of(const HttpRequest& req, const VapiConfig& vapi) {
  if (req.body().empty()) return {vapi.assistant_id, {}};
  boost::system::error_code ec;
  auto body = json::parse(req.body(), ec);
  if (ec || !body.is_object())
    return {{}, "body: a JSON object such as {\"assistantId\":\"…\"}, or no body"};
  const auto* id = body.as_object().if_contains("assistantId");
  if (!id || id->is_null()) return {vapi.assistant_id, {}};
  if (!id->is_string() || id->get_string().empty() || id->get_string().size() > kMaxAssistantId)
    return {{}, "assistantId: a non-empty string of at most 128 characters"};
  return {std::string(id->get_string()), {}};
}

LimitRefusal too_many_calls(const UserIdentity& user, const LimitsConfig& limits) {
  LimitRefusal refusal{"test_calls_per_org", 429,
                       "your organization has " + std::to_string(limits.test_calls_per_org) +
                           " test calls going, the most [limits].test_calls_per_org allows; "
                           "end one first",
                       std::chrono::seconds(10)};
  note_refusal(refusal, user.org_id);
  return refusal;
}

void start(TestCalls& calls, const HttpRequest& req, const Settings& settings, Respond respond) {
  // The bridge's upgrade would be refused for this page: say so now, before a provider call
  // is created (and paid for) that the browser could never attach to.
  if (auto origin = origin_of(req); origin) {
    if (auto decision = settings.origins.decide(origin); !decision.allowed)
      return respond(
          json_error(http::status::forbidden, OriginPolicy::rejection_body(origin, decision)));
  }
  auto who = authenticate_user(req, settings);
  if (auto* res = std::get_if<HttpResponse>(&who)) return respond(std::move(*res));
  auto user = std::get<UserIdentity>(std::move(who));
  auto assistant = assistant_of(req, settings.config.vapi);
  if (!assistant.error.empty())
    return respond(json_error(http::status::bad_request, assistant.error));
  std::string assistant_id = std::move(assistant.id);
  if (assistant_id.empty() && calls.provider().name() == "vapi")
    return respond(json_error(http::status::bad_request,
                              "assistantId: required, as no [vapi].assistant_id is configured"));
  std::string tracking_id = new_tracking_id();
  auto url = bridge_url(req, settings, tracking_id);
  if (!url)
    return respond(json_error(http::status::bad_request,
                              "Host (or X-Forwarded-Host) is missing or not a host name"));
  auto place = calls.reserve(user.org_id, settings.config.limits.test_calls_per_org);
  if (!place) return respond(limit_response(too_many_calls(user, settings.config.limits)));
  // Shared: the provider's callback must be copyable; the place goes to the call once created.
  auto held = std::make_shared<KeyedCounter::Slot>(std::move(*place));
  auto home = calls.next_home();
  ProviderCallRequest request{assistant_id, user.org_id, user.user_id, tracking_id};
  calls.provider().create_call(
      request, home,
      [&calls, respond = std::move(respond), home, user, assistant_id, tracking_id, held,
       url = std::move(*url)](CreateCallResult result) {
        if (auto* error = std::get_if<ProviderError>(&result)) {
          log::warn("test call not created",
                    {{"status", error->status}, {"error", error->message}, {"orgId", user.org_id}});
          return respond(json_error(static_cast<http::status>(error->status), error->message));
        }
        auto& call = std::get<ProviderCall>(result);
        calls.add(TestCallInfo{tracking_id, user.user_id, user.org_id, assistant_id, call}, home,
                  std::move(*held),
                  [&calls, respond, user, tracking_id, url](std::shared_ptr<TestCall> test_call) {
                    if (!test_call)
                      return respond(json_error(http::status::service_unavailable,
                                                "the test call could not be stored; try again"));
                    test_call->announce();
                    const auto& call = test_call->info().call;
                    log::info("test call created", {{"trackingId", tracking_id},
                                                    {"vapiCallId", call.call_id},
                                                    {"orgId", user.org_id},
                                                    {"provider", calls.provider().name()}});
                    respond(json_response(http::status::ok, {{"trackingId", tracking_id},
                                                             {"vapiCallId", call.call_id},
                                                             {"bridgeWebsocketUrl", url}}));
                  });
      });
}

void end(TestCalls& calls, const HttpRequest& req, const Settings& settings, Respond respond) {
  auto who = authenticate_user(req, settings);
  if (auto* res = std::get_if<HttpResponse>(&who)) return respond(std::move(*res));
  const auto& user = std::get<UserIdentity>(who);
  std::string_view path = request_path(req.target());
  std::string_view id = path.substr(kPrefix.size());
  if (!id.ends_with("/end"))
    return respond(json_error(http::status::not_found, "Session not found or unauthorized"));
  std::string tracking_id(id.substr(0, id.size() - 4));
  const auto ended = [tracking_id](Respond& respond) {
    respond(json_response(http::status::ok, {{"trackingId", tracking_id}, {"ended", true}}));
  };
  // A call relayed here ends here; a copy of a call another node relays (or none yet) does not.
  if (auto call = calls.find(tracking_id); call && call->attached_here() &&
                                           call->info().user_id == user.user_id &&
                                           call->info().org_id == user.org_id) {
    call->end("ended-by-api");
    return ended(respond);
  }
  // Relayed by another node, or by none yet (protocol section 8): the node that relays it, or
  // the one that started it, ends it within a second.
  calls.request_end(tracking_id, user, [respond, ended](bool found) mutable {
    if (!found)
      return respond(json_error(http::status::not_found, "Session not found or unauthorized"));
    ended(respond);
  });
}

}  // namespace

std::vector<HttpRoute> make_web_voice_routes(TestCalls& calls) {
  return {
      HttpRoute{http::verb::post, "/api/web-voice/start", false, "/api/web-voice/start",
                [&calls](const HttpRequest& req, const Settings& s, Respond respond) {
                  start(calls, req, s, std::move(respond));
                }},
      HttpRoute{http::verb::post, std::string(kPrefix), true, "/api/web-voice/:id/end",
                [&calls](const HttpRequest& req, const Settings& s, Respond respond) {
                  end(calls, req, s, std::move(respond));
                }},
  };
}

}  // namespace voxgate
