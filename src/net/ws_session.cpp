#include "net/ws_session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <vector>

#include "net/streams.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {

namespace websocket = boost::beast::websocket;
using boost::system::error_code;

// A peer that never answers our close frame is cut after this long.
constexpr auto kCloseHandshakeTimeout = std::chrono::seconds(5);
// RFC 6455: a control frame payload is at most 125 bytes, two of which are the code.
constexpr std::size_t kMaxCloseReason = 123;

template <class Stream>
class WsSession final : public WsConnection, public Session {
 public:
  WsSession(Stream stream, ServerContext& ctx, const WsRoute& route, SettingsPtr settings,
            ConnectionSlot slot, ConnectionInfo info, std::size_t worker)
      : ws_(std::move(stream)),
        ctx_(ctx),
        slot_(std::move(slot)),
        open_gauge_(metrics().connections_open.with({route.name})) {
    info_ = std::move(info);
    settings_ = std::move(settings);
    worker_ = worker;
    handler_ = route.make_handler(info_.path);
  }

  ~WsSession() override {
    if (opened_) open_gauge_.add(-1);
  }

  void accept(HttpRequest req) {
    const auto& cfg = settings_->config;
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "voxgate"); }));
    ws_.read_message_max(cfg.limits.ws_message_bytes);
    ws_.auto_fragment(false);
    ws_.control_callback(
        [this](websocket::frame_type, std::string_view) { last_rx_ = SteadyClock::now(); });
    deadline_ = SteadyClock::now() + cfg.limits.handshake_timeout;
    req_ = std::move(req);
    ws_.async_accept(req_, [self = self()](error_code ec) { self->on_accept(ec); });
  }

  void send(SharedPayload payload, bool binary) override {
    if (closing_ || !opened_) return;
    queued_bytes_ += payload->size();
    queue_.push_back(Outgoing{std::move(payload), binary});
    if (!writing_) write_next();
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_ || finished_) return;
    closing_ = true;
    metrics().ws_closes.with({info_.route, std::to_string(code)}).inc();
    // A close is immediate: what is queued behind the frame in flight is dropped.
    std::size_t keep = writing_ ? head_ + 1 : head_;
    for (std::size_t i = keep; i < queue_.size(); ++i) queued_bytes_ -= queue_[i].payload->size();
    queue_.resize(keep);
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                            reason.substr(0, kMaxCloseReason));
    // A peer that stopped reading blocks the frame in flight: the deadline counts from now.
    deadline_ = SteadyClock::now() + kCloseHandshakeTimeout;
    if (!writing_) send_close();
  }

  std::size_t queued_bytes() const override { return queued_bytes_; }
  boost::asio::any_io_executor executor() override { return ws_.get_executor(); }

  void on_sweep(SteadyTime now) override {
    if (finished_) return;
    if (deadline_ != SteadyTime{} && now >= deadline_) return abort();
    if (!opened_ || closing_) return;
    const auto& live = settings_->config.live;
    if (now - last_rx_ >= live.idle_timeout) return close(1001, "idle timeout");
    if (now - last_ping_ >= live.ping_interval && !writing_) send_ping(now);
    if (handler_) handler_->on_sweep(*this, now);
  }

  void on_shutdown() override {
    if (opened_)
      close(1001, "Going Away");
    else
      abort();
  }

 private:
  struct Outgoing {
    SharedPayload payload;
    bool binary;
  };

  std::shared_ptr<WsSession> self() {
    return std::static_pointer_cast<WsSession>(shared_from_this());
  }

  void on_accept(error_code ec) {
    req_ = {};
    deadline_ = {};
    if (ec) {
      metrics().upgrades_rejected.with({"handshake"}).inc();
      log::debug("WebSocket handshake failed", {{"error", ec.message()}, {"remote", info_.remote}});
      return finish();
    }
    opened_ = true;
    open_gauge_.add(1);
    last_rx_ = last_ping_ = SteadyClock::now();
    metrics().upgrades_accepted.with({info_.route}).inc();
    log::debug("upgrade successful", {{"pathname", info_.path}, {"route", info_.route}});
    log::info(
        "Client connected",
        {{"remoteAddress", info_.remote}, {"origin", info_.origin}, {"pathname", info_.path}});
    if (ctx_.stopping.load()) return close(1001, "Going Away");
    handler_->on_open(*this);
    read_next();
  }

  void read_next() {
    ws_.async_read(rbuf_, [self = self()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return finish();
    last_rx_ = SteadyClock::now();
    auto data = rbuf_.cdata();
    if (!closing_)
      handler_->on_message(*this, {static_cast<const char*>(data.data()), data.size()},
                           ws_.got_binary());
    rbuf_.consume(rbuf_.size());
    if (rbuf_.capacity() > kIdleBufferCap) rbuf_.shrink_to_fit();
    read_next();
  }

  void write_next() {
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      if (closing_) send_close();
      return;
    }
    writing_ = true;
    const Outgoing& out = queue_[head_];
    ws_.binary(out.binary);
    ws_.async_write(boost::asio::buffer(*out.payload),
                    [self = self()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    writing_ = false;
    queued_bytes_ -= queue_[head_].payload->size();
    queue_[head_].payload.reset();
    ++head_;
    if (ec) return abort();
    write_next();
  }

  void send_ping(SteadyTime now) {
    last_ping_ = now;
    writing_ = true;
    ws_.async_ping({}, [self = self()](error_code ec) {
      self->writing_ = false;
      if (ec) return self->abort();
      self->write_next();
    });
  }

  void send_close() {
    if (close_sent_) return;
    close_sent_ = true;
    writing_ = true;
    ws_.async_close(close_reason_, [self = self()](error_code) {
      self->writing_ = false;
      self->abort();
    });
  }

  // Ends the connection without a handshake: pending operations fail and release the session.
  void abort() {
    error_code ignored;
    tcp_of(ws_.next_layer()).shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    tcp_of(ws_.next_layer()).close(ignored);
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (opened_) handler_->on_close(*this);
    abort();
  }

  static constexpr std::size_t kIdleBufferCap = 8 * 1024;

  websocket::stream<Stream> ws_;
  ServerContext& ctx_;
  ConnectionSlot slot_;
  Gauge& open_gauge_;
  std::unique_ptr<WsHandler> handler_;
  HttpRequest req_;
  boost::beast::flat_buffer rbuf_;
  std::vector<Outgoing> queue_;
  std::size_t head_ = 0;
  std::size_t queued_bytes_ = 0;
  websocket::close_reason close_reason_;
  SteadyTime last_rx_{}, last_ping_{}, deadline_{};
  bool opened_ = false, writing_ = false, closing_ = false, close_sent_ = false, finished_ = false;
};

}  // namespace

template <class Stream>
void start_websocket(Stream stream, HttpRequest req, ServerContext& ctx, Worker& worker,
                     const WsRoute& route, SettingsPtr settings, ConnectionSlot slot,
                     ConnectionInfo info) {
  auto session =
      std::make_shared<WsSession<Stream>>(std::move(stream), ctx, route, std::move(settings),
                                          std::move(slot), std::move(info), worker.index());
  worker.add(*session);
  session->accept(std::move(req));
}

template void start_websocket<PlainStream>(PlainStream, HttpRequest, ServerContext&, Worker&,
                                           const WsRoute&, SettingsPtr, ConnectionSlot,
                                           ConnectionInfo);
template void start_websocket<TlsStream>(TlsStream, HttpRequest, ServerContext&, Worker&,
                                         const WsRoute&, SettingsPtr, ConnectionSlot,
                                         ConnectionInfo);

}  // namespace voxgate
