#include "net/router.hpp"

namespace voxgate {
namespace {
bool path_matches(const HttpRoute& r, std::string_view path) {
  return r.prefix ? path.starts_with(r.path) : path == r.path;
}
}  // namespace

Router::HttpMatch Router::find(http::verb method, std::string_view path) const {
  HttpMatch m;
  for (const auto& r : http_) {
    if (!path_matches(r, path)) continue;
    if (r.method == method) {
      m.route = &r;
      return m;
    }
    m.path_exists = true;
  }
  if (!m.path_exists && fallback_ && fallback_->method == method && fallback_accepts_(path))
    m.route = &*fallback_;
  return m;
}

const WsRoute* Router::find_ws(std::string_view path, const Config& config) const {
  for (const auto& r : ws_)
    if (r.matches(path) && (!r.enabled || r.enabled(config))) return &r;
  return nullptr;
}

std::string Router::ws_route_list(const Config& config) const {
  std::string out;
  for (const auto& r : ws_) {
    if (r.enabled && !r.enabled(config)) continue;
    if (!out.empty()) out += ", ";
    out += r.name;
  }
  return out;
}

}  // namespace voxgate
