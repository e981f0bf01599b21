#pragma once
// Where a request goes: HTTP routes by method and path, WebSocket routes by path.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"
#include "net/settings.hpp"
#include "net/ws_connection.hpp"

namespace voxgate {

// Answers a request; `respond` may be called later and from any thread, exactly once.
// `req` stays valid until `respond` is called.
using Respond = std::function<void(HttpResponse)>;
using HttpHandler =
    std::function<void(const HttpRequest& req, const Settings& settings, Respond respond)>;

struct HttpRoute {
  http::verb method;
  std::string path;  // exact path, or a prefix when `prefix` is set
  bool prefix = false;
  std::string name;  // metric label
  HttpHandler handler;
  bool any_origin = false;  // readable by every page (Access-Control-Allow-Origin: *, no cookies)
};

struct WsRoute {
  std::string name;  // metric label, e.g. "/ws/live-calls"
  std::function<bool(std::string_view path)> matches;
  std::function<bool(const Config&)> enabled;  // e.g. the echo route only with [dev].echo_route
  std::function<std::unique_ptr<WsHandler>(std::string_view path)> make_handler;
};

class Router {
 public:
  void add(HttpRoute route) { http_.push_back(std::move(route)); }
  void add(WsRoute route) { ws_.push_back(std::move(route)); }
  // Answers a request of its method at a path no route has and `accepts` takes (the pages' files).
  // A GET route answers HEAD too.
  void set_fallback(HttpRoute route, std::function<bool(std::string_view path)> accepts) {
    fallback_ = std::move(route);
    fallback_accepts_ = std::move(accepts);
  }

  struct HttpMatch {
    const HttpRoute* route = nullptr;  // null: nothing at this method and path
    bool path_exists = false;          // some route has this path with another method (405)
    std::string allow;                 // those methods, for the 405's Allow header
  };
  HttpMatch find(http::verb method, std::string_view path) const;
  const WsRoute* find_ws(std::string_view path, const Config& config) const;

  // "/ws/live-calls, /api/web-voice/<trackingId>": for the text of a 404 on an upgrade.
  std::string ws_route_list(const Config& config) const;

 private:
  std::vector<HttpRoute> http_;
  std::vector<WsRoute> ws_;
  std::optional<HttpRoute> fallback_;
  std::function<bool(std::string_view)> fallback_accepts_;
};

}  // namespace voxgate
