#include "app/routes.hpp"

#include "app/calls_route.hpp"
#include "app/dev_routes.hpp"
#include "app/echo_handler.hpp"
#include "app/json_response.hpp"
#include "app/origin_check_route.hpp"
#include "app/page_routes.hpp"
#include "app/publish_route.hpp"
#include "app/web_voice_routes.hpp"
#include "app/webhook_route.hpp"
#include "bridge/web_voice_session.hpp"
#include "live/live_calls_session.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {

void add_operations(Router& r, Services& services) {
  r.add(HttpRoute{http::verb::get, "/health", false, "/health",
                  [](const HttpRequest&, const Settings&, Respond respond) {
                    respond(
                        text_response(http::status::ok, R"({"status":"ok"})", "application/json"));
                  }});
  // Ready when every dependency answers: a load balancer stops sending traffic otherwise.
  r.add(HttpRoute{http::verb::get, "/ready", false, "/ready",
                  [&log = services.live.log, &broker = services.broker](
                      const HttpRequest&, const Settings&, Respond respond) {
                    bool store = log.healthy(), bus = broker.healthy();
                    respond(json_response(
                        store && bus ? http::status::ok : http::status::service_unavailable,
                        {{"status", store && bus ? "ready" : "not ready"},
                         {"store", store ? "ok" : "failing"},
                         {"broker", broker.name()},
                         {"brokerStatus", broker.status()}}));
                  }});
  r.add(HttpRoute{http::verb::get, "/metrics", false, "/metrics",
                  [](const HttpRequest&, const Settings&, Respond respond) {
                    respond(text_response(http::status::ok, metrics().render(),
                                          "text/plain; version=0.0.4; charset=utf-8"));
                  }});
}

void add_websockets(Router& r, Services& services) {
  r.add(WsRoute{
      "/ws/live-calls",
      [](std::string_view p) { return p == "/ws/live-calls" || p.starts_with("/ws/live-calls/"); },
      nullptr,
      [&live = services.live](std::string_view) { return make_live_calls_handler(live); }});
  r.add(WsRoute{"/api/web-voice/<trackingId>",
                [](std::string_view p) { return p.starts_with("/api/web-voice/"); }, nullptr,
                [&calls = services.test_calls, &users = services.live.users](std::string_view p) {
                  return make_web_voice_handler(p, calls, users);
                }});
  r.add(WsRoute{"/ws/echo", [](std::string_view p) { return p == "/ws/echo"; },
                [](const Config& c) { return c.dev.echo_route; },
                [](std::string_view) { return make_echo_handler(); }});
}

}  // namespace

Router make_router(Services& services) {
  Router r;
  add_operations(r, services);
  r.add(make_publish_route(services.live.log));
  r.add(make_vapi_webhook_route(services.live.log));
  for (auto& route : make_calls_routes(services.live.log)) r.add(std::move(route));
  for (auto& route : make_web_voice_routes(services.test_calls)) r.add(std::move(route));
  for (auto& route : make_dev_routes()) r.add(std::move(route));
  r.add(make_origin_check_route());
  r.set_fallback(make_page_route(), is_page_path);
  add_websockets(r, services);
  return r;
}

}  // namespace voxgate
