#include "app/dev_routes.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>

#include "app/json_response.hpp"
#include "auth/jwt.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxIdBytes = 128;

// Why tokens cannot be minted with this config, or empty when they can.
std::string why_no_tokens(const Config& c) {
  if (!c.dev.enabled)
    return "development tokens are off: set [dev] enabled = true (never in production)";
  return dev_token_problem(c.auth);
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-_.@:").find(c) != std::string_view::npos;
  });
}

struct IdField {
  std::string value;
  std::string error;  // why the body's value is unusable; empty when value is set
};

// `field` of the body when present, else `fallback`.
IdField id_field(const json::object* body, std::string_view field, std::string_view fallback) {
  const json::value* v = body ? body->if_contains(field) : nullptr;
  if (!v || v->is_null()) return {std::string(fallback), {}};
  if (!v->is_string() || !valid_id(v->get_string()))
    return {{}, std::string(field) + ": 1 to 128 characters of letters, digits and - _ . @ :"};
  return {std::string(v->get_string()), {}};
}

void status(const HttpRequest&, const Settings& settings, Respond respond) {
  auto why = why_no_tokens(settings.config);
  json::object body{{"devTokens", why.empty()}};
  if (settings.config.dev.enabled && !why.empty()) body["why"] = why;
  respond(json_response(http::status::ok, body));
}

void mint(const HttpRequest& req, const Settings& settings, Respond respond) {
  const Config& c = settings.config;
  if (!c.dev.enabled) return respond(json_error(http::status::not_found, why_no_tokens(c)));
  // A page of another origin must not mint tokens, even on a developer's machine.
  if (auto origin = origin_of(req); origin) {
    if (auto decision = settings.origins.decide(origin); !decision.allowed)
      return respond(
          json_error(http::status::forbidden, "no development tokens for this page: " +
                                                  OriginPolicy::rejection_body(origin, decision)));
  }
  if (auto why = why_no_tokens(c); !why.empty())
    return respond(json_error(http::status::conflict, why));
  json::object* body = nullptr;
  json::value parsed;
  if (!req.body().empty()) {
    boost::system::error_code ec;
    parsed = json::parse(req.body(), ec);
    if (ec || !parsed.is_object())
      return respond(
          json_error(http::status::bad_request,
                     "body: a JSON object such as {\"userId\":\"…\",\"orgId\":\"…\"}, or none"));
    body = &parsed.as_object();
  }
  auto user = id_field(body, "userId", "dev-user");
  auto org = id_field(body, "orgId", "dev-org");
  for (const auto* field : {&user, &org})
    if (!field->error.empty()) return respond(json_error(http::status::bad_request, field->error));
  const auto& user_id = user.value;
  const auto& org_id = org.value;
  const std::int64_t now = unix_millis_now() / 1000;
  const std::int64_t ttl = std::max<std::int64_t>(1, c.dev.token_ttl.count() / 1000);
  auto token = mint_dev_token(c.auth, user_id, org_id, now, ttl);
  if (token.empty())
    return respond(json_error(http::status::internal_server_error, "could not sign the token"));
  log::info("development token minted",
            {{"userId", user_id}, {"orgId", org_id}, {"ttlSeconds", ttl}});
  respond(json_response(
      http::status::ok,
      {{"token", token}, {"userId", user_id}, {"orgId", org_id}, {"exp", now + ttl}}));
}

}  // namespace

std::vector<HttpRoute> make_dev_routes() {
  return {HttpRoute{http::verb::get, "/api/dev", false, "/api/dev", status},
          HttpRoute{http::verb::post, "/api/dev/token", false, "/api/dev/token", mint}};
}

}  // namespace voxgate
