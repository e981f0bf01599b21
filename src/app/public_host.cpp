#include "app/public_host.hpp"

#include <cctype>

namespace voxgate {

std::optional<PublicHost> public_host(const HttpRequest& req, const Settings& settings) {
  std::string_view proto = req["X-Forwarded-Proto"];
  std::string_view host = req["X-Forwarded-Host"];
  if (host.empty()) host = req[http::field::host];
  host = host.substr(0, host.find(','));  // the first proxy's view
  proto = proto.substr(0, proto.find(','));
  while (!host.empty() && host.front() == ' ') host.remove_prefix(1);
  while (!proto.empty() && proto.front() == ' ') proto.remove_prefix(1);
  if (host.empty() || host.size() > 255) return std::nullopt;
  // The host ends up in URLs and headers we send: nothing that could split or extend them.
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view(".-:[]_").find(c) != std::string_view::npos))
      return std::nullopt;
  bool secure = proto.empty() ? !settings.config.server.tls_cert.empty() : proto == "https";
  return PublicHost{std::string(host), secure};
}

}  // namespace voxgate
