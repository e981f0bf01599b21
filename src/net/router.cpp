#include "net/router.hpp"

namespace voxgate {
namespace {
bool path_matches(const HttpRoute& r, std::string_view path) {
  return r.prefix ? path.starts_with(r.path) : path == r.path;
}

// RFC 9110 9.3.2: HEAD is answered as GET would be, without the content.
bool answers(const HttpRoute& r, http::verb method) {
  return r.method == method || (method == http::verb::head && r.method == http::verb::get);
}

void add_allowed(std::string& allow, http::verb method) {
  std::string_view name = http::to_string(method);
  if (allow.find(name) != std::string::npos) return;
  if (!allow.empty()) allow += ", ";
  allow += name;
  if (method == http::verb::get) allow += ", HEAD";
}
}  // namespace

Router::HttpMatch Router::find(http::verb method, std::string_view path) const {
  HttpMatch m;
  for (const auto& r : http_) {
    if (!path_matches(r, path)) continue;
    if (answers(r, method)) {
      m.route = &r;
      m.allow.clear();
      return m;
    }
    m.path_exists = true;
    add_allowed(m.allow, r.method);
  }
  if (!m.path_exists && fallback_ && answers(*fallback_, method) && fallback_accepts_(path))
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
