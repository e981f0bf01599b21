#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>

#include "limits/client_address.hpp"
#include "net/client_admission.hpp"
#include "net/ws_handshake.hpp"
#include "net/ws_session.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"
#include "policy/cors.hpp"

namespace voxgate {
namespace {

using boost::system::error_code;
namespace websocket = boost::beast::websocket;

std::string endpoint_text(const boost::asio::ip::tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  auto addr = ep.address();
  std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

template <class Stream>
class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, ConnectionSlot slot, ServerContext& ctx, Worker& worker)
      : stream_(std::move(stream)),
        ctx_(ctx),
        worker_(worker),
        slot_(std::move(slot)),
        open_gauge_(metrics().connections_open.with({"http"})) {
    remote_ = endpoint_text(tcp_of(stream_));
    error_code ec;
    peer_ = tcp_of(stream_).remote_endpoint(ec).address();
    open_gauge_.add(1);
  }

  ~HttpSession() override { open_gauge_.add(-1); }

  void start() {
    settings_ = ctx_.settings.get();
    deadline_ = SteadyClock::now() + settings_->config.limits.handshake_timeout;
    if constexpr (is_tls_v<Stream>) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server, [self =
                                                                          this->shared_from_this()](
                                                                         error_code ec) {
        if (ec) {
          log::debug("TLS handshake failed", {{"remote", self->remote_}, {"error", ec.message()}});
          return self->abort();
        }
        self->read_head();
      });
    } else {
      read_head();
    }
  }

  void on_sweep(SteadyTime now) override {
    if (deadline_ != SteadyTime{} && now >= deadline_) {
      log::debug("HTTP deadline passed, closing", {{"remote", remote_}, {"phase", phase_}});
      abort();
    }
  }

  void on_shutdown() override {
    // A connection waiting for its next request has nothing in flight: close it now.
    if (waiting_ && buffer_.size() == 0) abort();
  }

 private:
  void read_head() {
    // Each request reads under the settings in force when it starts.
    settings_ = ctx_.settings.get();
    const auto& limits = settings_->config.limits;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits.header_bytes));
    parser_->body_limit(limits.body_bytes);
    if (requests_ > 0) deadline_ = SteadyClock::now() + limits.http_idle_timeout;
    waiting_ = true;
    phase_ = "head";
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_head(ec); });
  }

  void on_head(error_code ec) {
    waiting_ = false;
    if (ec == http::error::header_limit) {
      return reply_and_close(
          http::status::request_header_fields_too_large,
          "request headers are larger than " +
              std::to_string(settings_->config.limits.header_bytes) +
              " bytes; raise [limits].header_bytes if this client is legitimate");
    }
    // A declared Content-Length over the limit is refused before the body is read.
    if (ec == http::error::body_limit) return too_large();
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
        ec == boost::asio::error::operation_aborted || ec == boost::asio::error::connection_reset ||
        ec == boost::asio::error::bad_descriptor)
      return abort();
    if (ec)
      return reply_and_close(http::status::bad_request, "malformed HTTP request: " + ec.message());
    ++requests_;
    if (!slot_.holds_client() && !admit_forwarded_client()) return;
    if (websocket::is_upgrade(parser_->get())) return upgrade();
    auto length = parser_->content_length();
    if (length && *length > settings_->config.limits.body_bytes) return too_large();
    if (parser_->is_done()) return dispatch();
    phase_ = "body";
    deadline_ = SteadyClock::now() + settings_->config.limits.handshake_timeout;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (ec == http::error::body_limit) return self->too_large();
                       if (ec) return self->abort();
                       self->dispatch();
                     });
  }

  // A trusted proxy's connection counts for the client its X-Forwarded-For names (the proxy
  // itself when it names none); false when that client is over a limit and was answered.
  bool admit_forwarded_client() {
    std::optional<boost::asio::ip::address> forwarded;
    if (settings_->proxies.contains(peer_))
      forwarded = settings_->proxies.forwarded_client(parser_->get()["X-Forwarded-For"]);
    std::string client = client_key(forwarded.value_or(peer_));
    auto admitted = admit_client(ctx_, client, settings_->config.limits, SteadyClock::now());
    if (auto* refusal = std::get_if<LimitRefusal>(&admitted)) {
      auto res = text_response(static_cast<http::status>(refusal->status), refusal->message);
      res.set(http::field::retry_after, retry_after_seconds(refusal->retry_after));
      reply_and_close(std::move(res));
      return false;
    }
    slot_.hold_client(std::move(std::get<KeyedCounter::Slot>(admitted)));
    return true;
  }

  void too_large() {
    reply_and_close(http::status::payload_too_large,
                    "request body is larger than " +
                        std::to_string(settings_->config.limits.body_bytes) + " bytes");
  }

  void upgrade() {
    const HttpRequest& req = parser_->get();
    std::string path(request_path(req.target()));
    auto origin = origin_of(req);
    std::string origin_text(origin.value_or(""));
    log::debug("Upgrade request received",
               {{"pathname", path}, {"origin", origin_text}, {"remote", remote_}});
    route_name_ = "upgrade";
    if (ctx_.stopping.load()) {
      metrics().upgrades_rejected.with({"shutting_down"}).inc();
      return reply_and_close(http::status::service_unavailable, "voxgate is shutting down");
    }
    const WsRoute* route = ctx_.router.find_ws(path, settings_->config);
    if (!route) {
      metrics().upgrades_rejected.with({"not_found"}).inc();
      return reply_and_close(http::status::not_found,
                             "no WebSocket route at " + path + "; voxgate serves " +
                                 ctx_.router.ws_route_list(settings_->config));
    }
    route_name_ = route->name;
    OriginDecision decision = settings_->origins.decide(origin);
    if (!decision.allowed) return refuse_origin(path, origin, decision);

    if (auto refusal = ws::check_upgrade(req)) {
      metrics().upgrades_rejected.with({"handshake"}).inc();
      return reply_and_close(refusal->status, std::move(refusal->body),
                             refusal->wants_version_header);
    }

    deadline_ = {};
    ConnectionInfo info{remote_, origin_text, path, route->name};
    std::string key(req[http::field::sec_websocket_key]);
    std::string leftover = boost::beast::buffers_to_string(buffer_.data());
    start_websocket(std::move(stream_), std::move(key), std::move(leftover), ctx_, worker_, *route,
                    settings_, std::move(slot_), std::move(info));
    metrics().http_requests.with({route->name, "101"}).inc();
    finished_ = true;
  }

  void refuse_origin(const std::string& path, std::optional<std::string_view> origin,
                     const OriginDecision& decision) {
    metrics().upgrades_rejected.with({"origin"}).inc();
    std::string body = OriginPolicy::rejection_body(origin, decision);
    std::uint64_t suppressed = 0;
    std::string key(origin.value_or("<none>"));
    if (ctx_.origin_log.allow(key, SteadyClock::now(), suppressed)) {
      boost::json::object fields{{"origin", key},
                                 {"pathname", path},
                                 {"reason", decision.reason_name()},
                                 {"remote", remote_},
                                 {"fix", body}};
      if (!decision.suggestion.empty()) fields["didYouMean"] = decision.suggestion;
      if (suppressed) fields["suppressed"] = suppressed;
      log::warn("Origin not allowed", std::move(fields));
    }
    reply_and_close(http::status::forbidden, std::move(body));
  }

  void dispatch() {
    phase_ = "handler";
    deadline_ = {};
    const HttpRequest& req = parser_->get();
    std::string_view path = request_path(req.target());
    origin_ = origin_of(req);
    decision_ = settings_->origins.decide(origin_);
    if (cors::is_preflight(req)) {
      route_name_ = "preflight";
      if (!decision_.allowed)
        return send(text_response(http::status::forbidden,
                                  OriginPolicy::rejection_body(origin_, decision_)));
      return send(text_response(http::status::no_content, ""));
    }
    auto match = ctx_.router.find(req.method(), path);
    if (!match.route) {
      route_name_ = "other";
      if (match.path_exists) {
        auto res = text_response(
            http::status::method_not_allowed,
            std::string(req.method_string()) + " is not allowed on " + std::string(path));
        res.set(http::field::allow, match.allow);
        return send(std::move(res));
      }
      return send(text_response(http::status::not_found, "no route at " + std::string(path)));
    }
    route_name_ = match.route->name;
    any_origin_ = match.route->any_origin;
    auto self = this->shared_from_this();
    auto executor = stream_.get_executor();
    match.route->handler(req, *settings_, [self, executor](HttpResponse res) {
      boost::asio::dispatch(executor,
                            [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    });
  }

  void send(HttpResponse res) {
    if (finished_) return;
    const HttpRequest& req = parser_->get();
    res.set(http::field::server, "voxgate");
    if (any_origin_)
      res.set(http::field::access_control_allow_origin, "*");
    else if (route_name_ == "preflight")
      cors::add_preflight_headers(res, origin_, decision_);
    else
      cors::add_response_headers(res, origin_, decision_);
    res.keep_alive(req.keep_alive() && !close_after_ && !ctx_.stopping.load());
    res.prepare_payload();
    // RFC 9110 8.6: a 204 has no Content-Length and a 304's may only repeat the 200's.
    if (res.result() == http::status::no_content || res.result() == http::status::not_modified)
      res.erase(http::field::content_length);
    write(std::move(res));
  }

  void reply_and_close(http::status status, std::string body, bool websocket_version = false) {
    auto res = text_response(status, std::move(body));
    if (websocket_version) res.set(http::field::sec_websocket_version, "13");
    reply_and_close(std::move(res));
  }

  void reply_and_close(HttpResponse res) {
    if (finished_) return;
    close_after_ = true;
    if (route_name_.empty()) route_name_ = "other";
    res.set(http::field::server, "voxgate");
    res.keep_alive(false);
    write(std::move(res));
  }

  void write(HttpResponse res) {
    metrics().http_requests.with({route_name_, std::to_string(res.result_int())}).inc();
    phase_ = "write";
    deadline_ = SteadyClock::now() + settings_->config.limits.handshake_timeout;
    response_ = std::move(res);
    // RFC 9110 9.3.2: a HEAD answer carries GET's header fields and no content; a body here
    // would be read by the client as the start of the next answer.
    if (parser_ && parser_->get().method() == http::verb::head && !response_->body().empty()) {
      const auto length = response_->body().size();
      response_->body().clear();
      response_->content_length(length);
    }
    http::async_write(
        stream_, *response_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    bool keep = response_->keep_alive();
    response_.reset();
    route_name_.clear();
    any_origin_ = false;
    if (ec || !keep || ctx_.stopping.load()) return graceful_close();
    read_head();
  }

  void graceful_close() {
    error_code ignored;
    tcp_of(stream_).shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    abort();
  }

  void abort() {
    if (finished_) return;
    finished_ = true;
    deadline_ = {};
    error_code ignored;
    tcp_of(stream_).close(ignored);
  }

  Stream stream_;
  ServerContext& ctx_;
  Worker& worker_;
  ConnectionSlot slot_;
  Gauge& open_gauge_;
  SettingsPtr settings_;
  std::string remote_;
  boost::asio::ip::address peer_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<HttpResponse> response_;
  std::optional<std::string_view> origin_;
  OriginDecision decision_;
  std::string route_name_;
  bool any_origin_ = false;  // the route answers every origin (ACAO *, no credentials)
  const char* phase_ = "tls";
  SteadyTime deadline_{};
  std::uint64_t requests_ = 0;
  bool waiting_ = false, close_after_ = false, finished_ = false;
};

}  // namespace

template <class Stream>
void run_session(Stream stream, ConnectionSlot slot, ServerContext& ctx, Worker& worker) {
  auto s = std::make_shared<HttpSession<Stream>>(std::move(stream), std::move(slot), ctx, worker);
  worker.add(*s);
  s->start();
}

void start_http_session(PlainStream socket, ConnectionSlot slot, ServerContext& ctx, Worker& worker,
                        boost::asio::ssl::context* tls) {
  if (tls)
    run_session(TlsStream(std::move(socket), *tls), std::move(slot), ctx, worker);
  else
    run_session(std::move(socket), std::move(slot), ctx, worker);
}

}  // namespace voxgate
