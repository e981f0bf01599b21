#include "app/origin_check_route.hpp"

#include <boost/url/parse.hpp>

#include "app/json_response.hpp"

namespace voxgate {
namespace {

constexpr std::size_t kMaxOriginBytes = 1024;

void check(const HttpRequest& req, const Settings& settings, Respond respond) {
  std::optional<std::string> origin;
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return respond(json_error(http::status::bad_request, "malformed request target"));
  for (auto param : url->params()) {
    if (param.key != "origin")
      return respond(json_error(
          http::status::bad_request,
          "unknown parameter \"" + std::string(param.key) + "\": the only one is origin"));
    origin = std::string(param.value);
  }
  // Same-origin GETs carry no Origin header, so the page names itself; the header is the
  // fallback for a plain cross-origin fetch.
  if (!origin)
    if (auto header = origin_of(req)) origin = std::string(*header);
  if (!origin || origin->empty())
    return respond(json_error(http::status::bad_request,
                              "origin: give ?origin=<scheme://host[:port]>, e.g. the page's "
                              "location.origin"));
  if (origin->size() > kMaxOriginBytes)
    return respond(json_error(http::status::bad_request, "origin: at most 1024 bytes"));
  auto decision = settings.origins.decide(*origin);
  std::string message = decision.allowed ? "Origin " + *origin + " is allowed by \"" +
                                               decision.entry + "\" (" + decision.source + ")"
                                         : OriginPolicy::rejection_body(*origin, decision);
  boost::json::object body{
      {"origin", *origin}, {"allowed", decision.allowed}, {"message", message}};
  if (!decision.suggestion.empty()) body["didYouMean"] = decision.suggestion;
  respond(json_response(http::status::ok, body));
}

}  // namespace

HttpRoute make_origin_check_route() {
  HttpRoute route{http::verb::get, "/api/origin-check", false, "/api/origin-check", check};
  route.any_origin = true;
  return route;
}

}  // namespace voxgate
