#pragma once
// JSON answers of the API routes: one shape for every error, {"error": "..."}.

#include <boost/json/object.hpp>
#include <string_view>

#include "net/http.hpp"

namespace voxgate {

HttpResponse json_response(http::status status, const boost::json::object& body);
HttpResponse json_error(http::status status, std::string_view message);

}  // namespace voxgate
