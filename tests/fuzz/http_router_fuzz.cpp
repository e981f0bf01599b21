// Any client on the network reaches Beast's parser and the router: feed them raw request bytes.
//
// Input: raw HTTP/1.1 bytes, up to four pipelined requests. Each is parsed with voxgate's header
// and body limits, then handled as HttpSession does (the client a trusted proxy's X-Forwarded-For
// names, upgrade checks, CORS preflight, the route with the gateway of fuzz_gateway.hpp behind
// it, CORS headers on the answer). Every answer is serialised and parsed back, as the client
// would read it.

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/parse.hpp>
#include <mutex>
#include <sstream>

#include "fuzz_gateway.hpp"
#include "fuzz_support.hpp"
#include "limits/client_address.hpp"
#include "net/ws_handshake.hpp"
#include "policy/cors.hpp"

namespace {

using namespace voxgate;
namespace websocket = boost::beast::websocket;

constexpr int kMaxRequests = 4;

// What a route answered, possibly from the event log's thread.
struct Answer {
  std::mutex mu;
  std::optional<HttpResponse> response;
  int calls = 0;
};

HttpResponse upgrade(fuzz::Gateway& gateway, const HttpRequest& req) {
  const Settings& settings = *gateway.settings();
  const std::string path(request_path(req.target()));
  const WsRoute* route = gateway.router().find_ws(path, settings.config);
  if (!route) return text_response(http::status::not_found, "no WebSocket route at " + path);
  const auto origin = origin_of(req);
  const OriginDecision decision = settings.origins.decide(origin);
  if (!decision.allowed)
    return text_response(http::status::forbidden, OriginPolicy::rejection_body(origin, decision));
  if (auto refusal = ws::check_upgrade(req)) return text_response(refusal->status, refusal->body);
  const std::string accept = ws::accept_key(req[http::field::sec_websocket_key]);
  FUZZ_CHECK(accept.size() == 28);
  // The handshake write can fail before the connection opens: a handler may never see on_open.
  route->make_handler(path).reset();
  return text_response(http::status::switching_protocols, "");
}

HttpResponse route(fuzz::Gateway& gateway, const HttpRequest& req, const OriginDecision& decision) {
  const Settings& settings = *gateway.settings();
  const std::string_view path = request_path(req.target());
  if (cors::is_preflight(req)) {
    if (!decision.allowed)
      return text_response(http::status::forbidden,
                           OriginPolicy::rejection_body(origin_of(req), decision));
    return text_response(http::status::no_content, "");
  }
  const auto match = gateway.router().find(req.method(), path);
  if (!match.route)
    return text_response(
        match.path_exists ? http::status::method_not_allowed : http::status::not_found, "no route");
  auto answer = std::make_shared<Answer>();
  match.route->handler(req, settings, [answer](HttpResponse res) {
    std::lock_guard lock(answer->mu);
    ++answer->calls;
    answer->response = std::move(res);
  });
  const bool answered = gateway.settle([&] {
    std::lock_guard lock(answer->mu);
    return answer->calls > 0;
  });
  // `req` must outlive the route's answer: a route that never answers would leave it dangling.
  FUZZ_CHECK(answered);
  gateway.settle();
  std::lock_guard lock(answer->mu);
  FUZZ_CHECK(answer->calls == 1);
  HttpResponse res = std::move(*answer->response);
  if (match.route->any_origin)
    res.set(http::field::access_control_allow_origin, "*");
  else
    cors::add_response_headers(res, origin_of(req), decision);
  return res;
}

// The client a request through a trusted proxy counts for, as HttpSession asks it.
void check_forwarded_client(const Settings& settings, const HttpRequest& req) {
  const auto proxy = boost::asio::ip::make_address("192.0.2.7");
  FUZZ_CHECK(settings.proxies.contains(proxy));
  const auto client = settings.proxies.forwarded_client(req["X-Forwarded-For"]);
  FUZZ_CHECK(!client_key(client.value_or(proxy)).empty());
}

// The answer as the client reads it: well-formed HTTP, JSON bodies that parse.
void check_answer(HttpResponse& res, const HttpRequest& req) {
  FUZZ_CHECK(res.result_int() >= 100 && res.result_int() <= 599);
  res.set(http::field::server, "voxgate");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  if (res.result() == http::status::no_content || res.result() == http::status::not_modified)
    res.erase(http::field::content_length);
  std::ostringstream wire;
  wire << res;
  const std::string bytes = wire.str();
  if (fuzz::tracing())
    std::fprintf(stderr, "%s %s -> %s\n", std::string(req.method_string()).c_str(),
                 std::string(req.target()).c_str(), bytes.c_str());

  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  FUZZ_CHECK(!ec && parser.is_done());
  FUZZ_CHECK(parser.get().body() == res.body());
  if (res[http::field::content_type].starts_with("application/json")) {
    boost::json::parse(res.body(), ec);
    FUZZ_CHECK(!ec);
  }
}

// Parses one request from the front of `bytes`; nullopt when there is none (more was needed,
// or the parser refused it: the session answers 400, 413 or 431 and closes).
std::optional<HttpRequest> next_request(std::string_view& bytes, const LimitsConfig& limits) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
  parser.body_limit(limits.body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  while (!bytes.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec || used == 0) break;
  }
  if (ec || !parser.is_done()) return std::nullopt;
  return parser.release();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& gateway = fuzz::Gateway::get();
  const Settings& settings = *gateway.settings();
  std::string_view bytes = fuzz::as_text(data, size);
  for (int i = 0; i < kMaxRequests; ++i) {
    auto req = next_request(bytes, settings.config.limits);
    if (!req) break;
    const auto length = req->payload_size();
    if (length) FUZZ_CHECK(*length <= settings.config.limits.body_bytes);
    check_forwarded_client(settings, *req);
    HttpResponse res = websocket::is_upgrade(*req)
                           ? upgrade(gateway, *req)
                           : route(gateway, *req, settings.origins.decide(origin_of(*req)));
    check_answer(res, *req);
    if (!req->keep_alive()) break;
  }
  gateway.settle();
  return 0;
}
