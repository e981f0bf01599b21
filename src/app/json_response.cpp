#include "app/json_response.hpp"

#include <boost/json/serialize.hpp>

#include "net/utf8.hpp"

namespace voxgate {

HttpResponse json_response(http::status status, const boost::json::object& body) {
  // Boost.JSON writes the bytes of a string as they are; one echoed from a request (a decoded
  // ?origin=, a path) may not be UTF-8, which JSON text must be (RFC 8259 section 8.1).
  return text_response(status, with_valid_utf8(boost::json::serialize(body)), "application/json");
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
