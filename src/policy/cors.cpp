// CORS headers: what the browser needs to hand an allowed origin the response, nothing more.

#include "policy/cors.hpp"

#include <string>

namespace voxgate::cors {
namespace http = boost::beast::http;
namespace {

bool allows_cross_origin(std::optional<std::string_view> origin, const OriginDecision& decision) {
  return origin && decision.allowed && decision.reason == OriginDecision::Reason::matched;
}

bool lists_origin(std::string_view vary) {
  for (auto token : http::token_list{vary}) {
    if (token == "*" || boost::beast::iequals(token, "Origin")) return true;
  }
  return false;
}

// Even responses without CORS headers vary by Origin, so a shared cache must not reuse them.
void add_vary_origin(http::fields& res) {
  auto existing = res.find(http::field::vary);
  if (existing == res.end()) {
    res.set(http::field::vary, "Origin");
    return;
  }
  const std::string_view current = existing->value();
  if (lists_origin(current)) return;
  res.set(http::field::vary, std::string(current) + ", Origin");
}

void remove_allow_headers(http::fields& res) {
  for (auto field :
       {http::field::access_control_allow_origin, http::field::access_control_allow_credentials,
        http::field::access_control_allow_methods, http::field::access_control_allow_headers,
        http::field::access_control_max_age}) {
    res.erase(field);
  }
}

}  // namespace

bool is_preflight(const http::request_header<>& req) {
  return req.method() == http::verb::options &&
         req.find(http::field::access_control_request_method) != req.end();
}

void add_response_headers(http::fields& res, std::optional<std::string_view> origin,
                          const OriginDecision& decision) {
  add_vary_origin(res);
  if (!allows_cross_origin(origin, decision)) {
    remove_allow_headers(res);
    return;
  }
  res.set(http::field::access_control_allow_origin, *origin);
  res.set(http::field::access_control_allow_credentials, "true");
}

void add_preflight_headers(http::fields& res, std::optional<std::string_view> origin,
                           const OriginDecision& decision) {
  add_response_headers(res, origin, decision);
  if (!allows_cross_origin(origin, decision)) return;
  res.set(http::field::access_control_allow_methods, kAllowedMethods);
  res.set(http::field::access_control_allow_headers, kAllowedHeaders);
  res.set(http::field::access_control_max_age, std::to_string(kMaxAgeSeconds));
}

}  // namespace voxgate::cors
