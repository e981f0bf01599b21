#include "app/publish_route.hpp"

#include <boost/json/array.hpp>

#include "app/json_response.hpp"
#include "auth/api_keys.hpp"
#include "limits/keyed_rate.hpp"
#include "limits/limit_refusal.hpp"
#include "live/publish_request.hpp"
#include "ops/clock.hpp"

namespace voxgate {

namespace {

// [limits].publish_rate_per_key: keys are named by their place in the list, never by value.
std::optional<LimitRefusal> over_rate(KeyedRate& rates, std::size_t key,
                                      const LimitsConfig& limits) {
  double rate = static_cast<double>(limits.publish_rate_per_key);
  std::string name = "api key #" + std::to_string(key + 1);
  std::chrono::milliseconds wait{};
  if (rates.take(name, Rate{rate, 2 * rate}, std::chrono::steady_clock::now(), wait))
    return std::nullopt;
  LimitRefusal refusal{"publish_rate_per_key", 429,
                       "more than " + std::to_string(limits.publish_rate_per_key) +
                           " requests a second with this API key, the most "
                           "[limits].publish_rate_per_key allows; batch events or slow down",
                       wait};
  note_refusal(refusal, name);
  return refusal;
}

}  // namespace

HttpRoute make_publish_route(EventLog& log) {
  return HttpRoute{
      http::verb::post, "/api/events", false, "/api/events",
      [&log, rates = std::make_shared<KeyedRate>()](const HttpRequest& req,
                                                    const Settings& settings, Respond respond) {
        const auto& publish = settings.config.publish;
        if (publish.api_keys.empty())
          return respond(json_error(http::status::unauthorized,
                                    "publishing is off: no API key is configured "
                                    "(set VOXGATE_API_KEY or [publish].api_keys)"));
        auto key =
            matching_api_key(bearer_token(req[http::field::authorization]), publish.api_keys);
        if (!key) {
          auto res = json_error(http::status::unauthorized,
                                "missing or wrong API key: send Authorization: Bearer <key>");
          res.set(http::field::www_authenticate, "Bearer");
          return respond(std::move(res));
        }
        if (auto refusal = over_rate(*rates, *key, settings.config.limits))
          return respond(limit_response(*refusal));
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
