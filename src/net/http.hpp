#pragma once
// HTTP types shared by the router, the sessions and the route handlers.

#include <boost/beast/http.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

namespace http = boost::beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// The request path without the query string.
std::string_view request_path(std::string_view target);

// The Origin header, or nullopt when the request has none.
std::optional<std::string_view> origin_of(const http::fields& headers);

// A complete response with a text body; keep-alive and CORS are added by the session.
HttpResponse text_response(http::status status, std::string body,
                           std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace voxgate
