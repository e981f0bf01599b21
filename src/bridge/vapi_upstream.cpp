#include "bridge/vapi_upstream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <optional>

#include "bridge/vapi_call_request.hpp"

namespace voxgate {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kClosedByUs = "closed by voxgate";

struct Frame {
  SharedPayload payload;
  bool binary = false;
};

template <class Stream>
class VapiUpstream final : public Upstream,
                           public std::enable_shared_from_this<VapiUpstream<Stream>> {
 public:
  VapiUpstream(std::shared_ptr<const ProviderAccess> access, asio::any_io_executor executor,
               std::weak_ptr<UpstreamHandler> handler)
      : access_(std::move(access)),
        executor_(std::move(executor)),
        handler_(std::move(handler)),
        resolver_(executor_),
        ws_(make_provider_stream<Stream>(executor_, *access_->tls)),
        timer_(executor_) {}

  void start(ProviderUrl url) {
    url_ = std::move(url);
    arm(access_->connect_timeout);
    dial(ws_.next_layer(), resolver_, url_,
         [self = this->shared_from_this()](const std::string& error) {
           if (self->state_ == State::closed) return;
           if (!error.empty()) return self->finish("cannot open the call's socket: " + error);
           self->handshake();
         });
  }

  // Reported from the executor, never inside connect().
  void refuse(std::string reason) {
    asio::post(executor_, [self = this->shared_from_this(), reason = std::move(reason)] {
      self->finish(reason);
    });
  }

  void send(SharedPayload payload, bool binary) override {
    if (close_requested_ || state_ == State::closed || !payload) return;
    queued_bytes_ += payload->size();
    queue_.push_back(Frame{std::move(payload), binary});
    pump();
  }

  std::size_t queued_bytes() const override { return queued_bytes_; }

  void close() override {
    if (close_requested_ || state_ == State::closed) return;
    close_requested_ = true;
    pump();
  }

 private:
  enum class State { connecting, open, closed };

  void handshake() {
    ws_.set_option(websocket::stream_base::decorator(
        [key = access_->api_key](websocket::request_type& request) {
          request.set(http::field::authorization, "Bearer " + key);
          request.set(http::field::user_agent, kProviderUserAgent);
        }));
    // Connect and close handshakes are bounded by timer_; Beast watches the open socket.
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = websocket::stream_base::none();
    timeouts.idle_timeout = kUpstreamIdleTimeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(kUpstreamMessageLimit);
    ws_.async_handshake(response_, url_.host_header, url_.target,
                        [self = this->shared_from_this()](beast::error_code ec) {
                          if (self->state_ != State::closed) self->on_handshake(ec);
                        });
  }

  void on_handshake(beast::error_code ec) {
    if (ec == websocket::error::upgrade_declined) {
      std::string text =
          "Vapi refused the call's socket: " + std::to_string(response_.result_int()) + " " +
          std::string(http::obsolete_reason(response_.result()));
      if (!response_.body().empty()) text += ": " + provider_text(response_.body(), 200);
      return finish(without_secret(std::move(text), access_->api_key));
    }
    if (ec) return finish("the call's socket handshake failed: " + ec.message());
    timer_.cancel();
    response_ = {};
    state_ = State::open;
    read();
    // A close() before the socket opened means the call is over for the bridge already.
    if (!close_requested_) {
      if (auto handler = handler_.lock())
        handler->on_upstream_open();
      else
        close_requested_ = true;
    }
    pump();
  }

  // Writes the queue one frame at a time, then the close frame once close() asked for it.
  void pump() {
    if (state_ != State::open || writing_ || close_sent_) return;
    if (!queue_.empty()) {
      writing_ = true;
      in_flight_ = std::move(queue_.front());
      queue_.pop_front();
      ws_.binary(in_flight_.binary);
      ws_.async_write(asio::buffer(*in_flight_.payload),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
      return;
    }
    if (!close_requested_) return;
    close_sent_ = true;
    arm(access_->connect_timeout);
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](beast::error_code) {
                      self->finish(std::string(kClosedByUs));
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (state_ == State::closed) return;
    queued_bytes_ -= in_flight_.payload->size();
    in_flight_ = {};
    if (ec) return finish("lost the connection to Vapi: " + ec.message());
    pump();
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (state_ == State::closed) return;
    if (ec) {
      if (close_sent_) return finish(std::string(kClosedByUs));
      if (ec == websocket::error::closed) {
        return finish("Vapi closed the call's socket (" + close_text(ws_.reason()) + ")");
      }
      return finish("lost the connection to Vapi: " + ec.message());
    }
    const auto bytes = buffer_.cdata();
    const std::string_view data(static_cast<const char*>(bytes.data()), bytes.size());
    if (auto handler = handler_.lock())
      handler->on_upstream_message(data, ws_.got_binary());
    else
      close();
    buffer_.consume(buffer_.size());
    if (state_ != State::closed) read();
  }

  static std::string close_text(const websocket::close_reason& reason) {
    std::string text = std::to_string(reason.code);
    if (!reason.reason.empty())
      text += " \"" + provider_text({reason.reason.data(), reason.reason.size()}, 123) + "\"";
    return text;
  }

  // One timer: the connect deadline, then the close handshake's.
  void arm(Millis timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = this->shared_from_this(), timeout](beast::error_code ec) {
      if (ec || self->state_ == State::closed || self->timer_.expiry() > Clock::now()) return;
      if (self->state_ == State::connecting) {
        return self->finish("cannot open the call's socket: " + self->url_.display +
                            " did not connect within " + seconds_text(timeout));
      }
      if (self->close_sent_) self->finish(std::string(kClosedByUs));
    });
  }

  // Exactly once; later completions of aborted operations find the state closed.
  void finish(std::string reason) {
    if (state_ == State::closed) return;
    state_ = State::closed;
    timer_.cancel();
    resolver_.cancel();
    queue_.clear();  // an in-flight frame stays alive in in_flight_ until its write completes
    queued_bytes_ = 0;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    if (auto handler = handler_.lock()) handler->on_upstream_closed(std::move(reason));
  }

  std::shared_ptr<const ProviderAccess> access_;
  asio::any_io_executor executor_;
  std::weak_ptr<UpstreamHandler> handler_;
  ProviderUrl url_;
  asio::ip::tcp::resolver resolver_;
  websocket::stream<Stream> ws_;
  websocket::response_type response_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<Frame> queue_;
  Frame in_flight_;
  std::size_t queued_bytes_ = 0;  // queued and in flight
  State state_ = State::connecting;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
};

// What the bridge holds: letting go of it closes the socket instead of leaking it until the
// provider hangs up.
class UpstreamHandle final : public Upstream {
 public:
  UpstreamHandle(std::shared_ptr<Upstream> socket, asio::any_io_executor executor)
      : socket_(std::move(socket)), executor_(std::move(executor)) {}
  ~UpstreamHandle() override {
    try {
      asio::post(executor_, [socket = std::move(socket_)] { socket->close(); });
    } catch (...) {
      // Out of memory: the provider's idle timeout or hang-up still ends the socket.
    }
  }
  void send(SharedPayload payload, bool binary) override {
    socket_->send(std::move(payload), binary);
  }
  std::size_t queued_bytes() const override { return socket_->queued_bytes(); }
  void close() override { socket_->close(); }

 private:
  std::shared_ptr<Upstream> socket_;
  asio::any_io_executor executor_;
};

template <class Stream>
std::shared_ptr<Upstream> open(std::shared_ptr<const ProviderAccess> access,
                               std::optional<ProviderUrl> url, const std::string& error,
                               asio::any_io_executor executor,
                               std::weak_ptr<UpstreamHandler> handler) {
  auto socket =
      std::make_shared<VapiUpstream<Stream>>(std::move(access), executor, std::move(handler));
  if (url)
    socket->start(std::move(*url));
  else
    socket->refuse("the call's socket URL: " + error);
  return std::make_shared<UpstreamHandle>(std::move(socket), std::move(executor));
}

}  // namespace

std::shared_ptr<Upstream> open_vapi_upstream(std::shared_ptr<const ProviderAccess> access,
                                             const ProviderCall& call,
                                             asio::any_io_executor executor,
                                             std::weak_ptr<UpstreamHandler> handler) {
  std::string error;
  auto url = parse_provider_url(call.websocket_url, ProviderUrlKind::websocket, error);
  if (url && url->tls) {
    return open<TlsStream>(std::move(access), std::move(url), error, std::move(executor),
                           std::move(handler));
  }
  return open<PlainStream>(std::move(access), std::move(url), error, std::move(executor),
                           std::move(handler));
}

}  // namespace voxgate
