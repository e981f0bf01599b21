#include "app/page_routes.hpp"

#include "app/public_host.hpp"
#include "web/page_files.hpp"

namespace voxgate {
namespace {

// Scripts, styles and connections only from this gateway: a page that handles user tokens must
// not run anything injected. Worklets are scripts, so script-src covers them.
std::string content_security_policy(const std::optional<PublicHost>& at) {
  std::string connect = "'self'";
  if (at) connect += " ws://" + at->host + " wss://" + at->host;
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
         "connect-src " +
         connect +
         "; media-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

void add_page_headers(HttpResponse& res, const PageFile& file, const HttpRequest& req,
                      const Settings& settings) {
  res.set(http::field::etag, file.etag);
  // File names carry no version, so browsers revalidate each time (a 304 costs one round trip)
  // and a new voxgate's pages show at once.
  res.set(http::field::cache_control, "no-cache");
  res.set("Content-Security-Policy", content_security_policy(public_host(req, settings)));
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()");
}

void serve_page(const HttpRequest& req, const Settings& settings, Respond respond) {
  std::string_view path = request_path(req.target());
  const WebConfig& web = settings.config.web;
  if (!web.enabled)
    return respond(text_response(
        http::status::not_found,
        "no route at " + std::string(path) + " (the web pages are off: [web] enabled = false)"));
  auto name = page_file_name(path);
  auto file = name ? find_page_file(*name, web.dir) : std::nullopt;
  if (!file) return respond(text_response(http::status::not_found, "no route at " + std::string(path)));
  if (etag_matches(req[http::field::if_none_match], file->etag)) {
    HttpResponse res{http::status::not_modified, req.version()};
    add_page_headers(res, *file, req, settings);
    return respond(std::move(res));
  }
  auto res = text_response(http::status::ok, std::move(file->body), file->content_type);
  add_page_headers(res, *file, req, settings);
  respond(std::move(res));
}

}  // namespace

bool is_page_path(std::string_view path) { return page_file_name(path).has_value(); }

HttpRoute make_page_route() { return HttpRoute{http::verb::get, "/", true, "page", serve_page}; }

}  // namespace voxgate
