#include "app/publish_route.hpp"

#include <boost/json/array.hpp>

#include "app/json_response.hpp"
#include "auth/api_keys.hpp"
#include "live/publish_request.hpp"
#include "ops/clock.hpp"

namespace voxgate {

HttpRoute make_publish_route(EventLog& log) {
  return HttpRoute{
      http::verb::post, "/api/events", false, "/api/events",
      [&log](const HttpRequest& req, const Settings& settings, Respond respond) {
        const auto& publish = settings.config.publish;
        if (publish.api_keys.empty())
          return respond(json_error(http::status::unauthorized,
                                    "publishing is off: no API key is configured "
                                    "(set VOXGATE_API_KEY or [publish].api_keys)"));
        if (!api_key_matches(bearer_token(req[http::field::authorization]), publish.api_keys)) {
          auto res = json_error(http::status::unauthorized,
                                "missing or wrong API key: send Authorization: Bearer <key>");
          res.set(http::field::www_authenticate, "Bearer");
          return respond(std::move(res));
        }
        auto parsed = parse_publish_body(req.body(), publish, unix_millis_now());
        if (auto* rejected = std::get_if<PublishRejection>(&parsed))
          return respond(
              json_error(static_cast<http::status>(rejected->status), rejected->message));
        log.append(std::move(std::get<std::vector<NewEvent>>(parsed)),
                   [respond](AppendResult result) {
                     if (!result.error.empty())
                       return respond(json_error(http::status::service_unavailable,
                                                 "event history unavailable: " + result.error));
                     boost::json::array ids;
                     for (auto& id : result.ids) ids.emplace_back(id);
                     respond(json_response(http::status::accepted, {{"ids", ids}}));
                   });
      }};
}

}  // namespace voxgate
