#include "net/router.hpp"

#include <gtest/gtest.h>

namespace voxgate {
namespace {

Router sample() {
  Router r;
  auto noop = [](const HttpRequest&, const Settings&, Respond) {};
  r.add(HttpRoute{http::verb::get, "/health", false, "/health", noop});
  r.add(HttpRoute{http::verb::post, "/api/calls/", true, "/api/calls", noop});
  r.add(WsRoute{"/ws/live-calls",
                [](std::string_view p) { return p.starts_with("/ws/live-calls"); }, nullptr,
                nullptr});
  r.add(WsRoute{"/ws/echo", [](std::string_view p) { return p == "/ws/echo"; },
                [](const Config& c) { return c.dev.echo_route; }, nullptr});
  return r;
}

TEST(Router, HttpByMethodAndPath) {
  Router r = sample();
  EXPECT_EQ(r.find(http::verb::get, "/health").route->name, "/health");
  auto wrong_method = r.find(http::verb::post, "/health");
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_TRUE(wrong_method.path_exists);
  EXPECT_EQ(r.find(http::verb::post, "/api/calls/abc").route->name, "/api/calls");
  auto missing = r.find(http::verb::get, "/healthz");
  EXPECT_EQ(missing.route, nullptr);
  EXPECT_FALSE(missing.path_exists);
}

TEST(Router, HeadIsAnsweredByTheGetRoute) {
  Router r = sample();
  r.set_fallback(HttpRoute{http::verb::get, "", false, "pages", nullptr},
                 [](std::string_view p) { return p == "/"; });
  EXPECT_EQ(r.find(http::verb::head, "/health").route->name, "/health");
  EXPECT_EQ(r.find(http::verb::head, "/").route->name, "pages");
  auto head_of_post = r.find(http::verb::head, "/api/calls/abc");
  EXPECT_EQ(head_of_post.route, nullptr);
  EXPECT_TRUE(head_of_post.path_exists);
}

TEST(Router, MethodNotAllowedNamesTheAllowedOnes) {
  Router r = sample();
  r.add(HttpRoute{http::verb::get, "/api/calls/", true, "/api/calls", nullptr});
  r.add(HttpRoute{http::verb::get, "/api/", true, "/api", nullptr});
  EXPECT_EQ(r.find(http::verb::post, "/health").allow, "GET, HEAD");
  EXPECT_EQ(r.find(http::verb::delete_, "/api/calls/x").allow, "POST, GET, HEAD");
  EXPECT_EQ(r.find(http::verb::get, "/api/calls/x").allow, "");
}

TEST(Router, WebSocketRoutesHonourTheirSwitch) {
  Router r = sample();
  Config off, on;
  on.dev.echo_route = true;
  EXPECT_EQ(r.find_ws("/ws/live-calls/x", off)->name, "/ws/live-calls");
  EXPECT_EQ(r.find_ws("/ws/echo", off), nullptr);
  EXPECT_EQ(r.find_ws("/ws/echo", on)->name, "/ws/echo");
  EXPECT_EQ(r.ws_route_list(off), "/ws/live-calls");
  EXPECT_EQ(r.ws_route_list(on), "/ws/live-calls, /ws/echo");
}

TEST(RequestPath, DropsQueryAndFragment) {
  EXPECT_EQ(request_path("/ws/live-calls?token=x"), "/ws/live-calls");
  EXPECT_EQ(request_path("/a#b"), "/a");
  EXPECT_EQ(request_path("/plain"), "/plain");
}

}  // namespace
}  // namespace voxgate
