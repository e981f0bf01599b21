#include "bridge/vapi_call_client.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "bridge/vapi_call_request.hpp"

namespace voxgate {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

template <class Stream>
class VapiCallExchange : public std::enable_shared_from_this<VapiCallExchange<Stream>> {
 public:
  VapiCallExchange(std::shared_ptr<const ProviderAccess> access, const ProviderUrl& base,
                   std::string body, asio::any_io_executor executor,
                   std::function<void(CreateCallResult)> done)
      : access_(std::move(access)),
        url_(base),
        caller_(std::move(executor)),
        strand_(asio::make_strand(caller_)),
        resolver_(strand_),
        stream_(make_provider_stream<Stream>(strand_, *access_->tls)),
        timer_(strand_),
        done_(std::move(done)) {
    request_ = {http::verb::post, vapi_call_target(url_.target), 11};
    request_.set(http::field::host, url_.host_header);
    request_.set(http::field::authorization, "Bearer " + access_->api_key);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::accept, "application/json");
    request_.set(http::field::user_agent, kProviderUserAgent);
    request_.keep_alive(false);
    request_.body() = std::move(body);
    request_.prepare_payload();
  }

  void start() {
    asio::post(strand_, [self = this->shared_from_this()] { self->run(); });
  }

 private:
  void run() {
    const auto now = Clock::now();
    connect_deadline_ = now + access_->connect_timeout;
    request_deadline_ = now + access_->request_timeout;
    arm(std::min(connect_deadline_, request_deadline_));
    dial(stream_, resolver_, url_, [self = this->shared_from_this()](std::string error) {
      if (self->finished_) return;
      if (!error.empty()) return self->finish(ProviderError{502, std::move(error)});
      self->connected_ = true;
      self->arm(self->request_deadline_);
      self->send();
    });
  }

  void send() {
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (self->finished_) return;
                        if (ec) {
                          return self->finish(ProviderError{
                              502, "could not send the request to Vapi: " + ec.message()});
                        }
                        self->receive();
                      });
  }

  void receive() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(kVapiResponseLimit);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (self->finished_) return;
                       self->on_response(ec);
                     });
  }

  void on_response(boost::system::error_code ec) {
    // A TLS peer may end a complete answer without close_notify; only an incomplete one fails.
    if (ec && !parser_->is_done()) {
      if (ec == http::error::body_limit) {
        return finish(ProviderError{502, "Vapi's answer is larger than 1 MiB"});
      }
      return finish(ProviderError{
          502, "Vapi closed the connection without a complete answer: " + ec.message()});
    }
    auto& response = parser_->get();
    // Scrubbed before parsing, so no cut can leave part of the key in the quoted text.
    finish(parse_vapi_call_response(response.result_int(),
                                    without_secret(std::move(response.body()), access_->api_key)));
  }

  // One timer serves both deadlines: connecting, then the whole request.
  void arm(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      // A re-armed timer's stale completion sees a deadline still ahead.
      if (ec || self->finished_ || self->timer_.expiry() > Clock::now()) return;
      self->on_deadline();
    });
  }

  void on_deadline() {
    if (!connected_ && connect_deadline_ < request_deadline_) {
      return finish(ProviderError{504, "Vapi (" + url_.display +
                                           ") did not accept a connection within " +
                                           seconds_text(access_->connect_timeout)});
    }
    finish(ProviderError{504, vapi_timeout_message(access_->request_timeout)});
  }

  // Answers at once, even with a DNS lookup still running: its late completion is ignored.
  void finish(CreateCallResult result) {
    finished_ = true;
    timer_.cancel();
    resolver_.cancel();
    boost::system::error_code ignored;
    tcp_of(stream_).close(ignored);
    if (auto* error = std::get_if<ProviderError>(&result)) {
      error->message = without_secret(std::move(error->message), access_->api_key);
    }
    asio::dispatch(caller_, [done = std::move(done_), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  std::shared_ptr<const ProviderAccess> access_;
  ProviderUrl url_;
  asio::any_io_executor caller_;
  asio::strand<asio::any_io_executor> strand_;
  asio::ip::tcp::resolver resolver_;
  Stream stream_;
  asio::steady_timer timer_;
  http::request<http::string_body> request_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::function<void(CreateCallResult)> done_;
  Clock::time_point connect_deadline_{};
  Clock::time_point request_deadline_{};
  bool connected_ = false;
  bool finished_ = false;
};

}  // namespace

void start_vapi_call(std::shared_ptr<const ProviderAccess> access, const ProviderUrl& base,
                     std::string body, asio::any_io_executor executor,
                     std::function<void(CreateCallResult)> done) {
  if (base.tls) {
    std::make_shared<VapiCallExchange<TlsStream>>(std::move(access), base, std::move(body),
                                                  std::move(executor), std::move(done))
        ->start();
  } else {
    std::make_shared<VapiCallExchange<PlainStream>>(std::move(access), base, std::move(body),
                                                    std::move(executor), std::move(done))
        ->start();
  }
}

}  // namespace voxgate
