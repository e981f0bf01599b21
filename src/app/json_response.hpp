#pragma once
// JSON answers of the API routes: one shape for every error, {"error": "..."}.

#include <boost/json/object.hpp>
#include <string_view>

#include "limits/limit_refusal.hpp"
#include "net/http.hpp"

namespace voxgate {

HttpResponse json_response(http::status status, const boost::json::object& body);
HttpResponse json_error(http::status status, std::string_view message);
// A per-client limit's answer: its status, {"error": message, "limit": name}, Retry-After.
HttpResponse limit_response(const LimitRefusal& refusal);

}  // namespace voxgate
