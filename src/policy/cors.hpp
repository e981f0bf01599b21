#pragma once
// CORS response headers for the HTTP API, decided by the one OriginPolicy (protocol section 1).

#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>

#include "policy/origin_policy.hpp"

namespace voxgate::cors {

inline constexpr std::string_view kAllowedMethods = "GET, POST, OPTIONS";
inline constexpr std::string_view kAllowedHeaders = "Content-Type, Authorization, x-request-id";
inline constexpr int kMaxAgeSeconds = 600;

// An OPTIONS request carrying Access-Control-Request-Method.
bool is_preflight(const boost::beast::http::request_header<>& req);

// For an allowed Origin: Access-Control-Allow-Origin (the origin as sent, never "*") and
// Allow-Credentials. Always adds "Vary: Origin". A refused origin gets no Access-Control-Allow-*.
void add_response_headers(boost::beast::http::fields& res, std::optional<std::string_view> origin,
                          const OriginDecision& decision);

// add_response_headers plus Allow-Methods, Allow-Headers and Max-Age when the origin is allowed.
void add_preflight_headers(boost::beast::http::fields& res, std::optional<std::string_view> origin,
                           const OriginDecision& decision);

}  // namespace voxgate::cors
