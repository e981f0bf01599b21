#include "app/json_response.hpp"

#include <boost/json/serialize.hpp>

namespace voxgate {

HttpResponse json_response(http::status status, const boost::json::object& body) {
  return text_response(status, boost::json::serialize(body), "application/json");
}

HttpResponse json_error(http::status status, std::string_view message) {
  return json_response(status, boost::json::object{{"error", message}});
}

HttpResponse limit_response(const LimitRefusal& refusal) {
  auto res = json_response(static_cast<http::status>(refusal.status),
                           {{"error", refusal.message}, {"limit", refusal.limit}});
  res.set(http::field::retry_after, retry_after_seconds(refusal.retry_after));
  return res;
}

}  // namespace voxgate
