#include "app/json_response.hpp"

#include <boost/json/serialize.hpp>

namespace voxgate {

HttpResponse json_response(http::status status, const boost::json::object& body) {
  return text_response(status, boost::json::serialize(body), "application/json");
}

HttpResponse json_error(http::status status, std::string_view message) {
  return json_response(status, boost::json::object{{"error", message}});
}

}  // namespace voxgate
