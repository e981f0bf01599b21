#include "bridge/web_voice_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include "auth/jwt.hpp"
#include "bridge/tracking_id.hpp"
#include "limits/user_connections.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"

namespace voxgate {
namespace {

constexpr std::string_view kPrefix = "/api/web-voice/";
constexpr std::string_view kNotFound = "Session not found or unauthorized";

// The `type` of a JSON text frame, empty when it has none.
std::string message_type(std::string_view data, boost::json::value& value) {
  boost::system::error_code ec;
  value = boost::json::parse(data, ec);
  if (ec || !value.is_object()) return {};
  const auto* type = value.as_object().if_contains("type");
  return type && type->is_string() ? std::string(type->get_string()) : std::string();
}

class WebVoiceSession final : public WsHandler {
 public:
  WebVoiceSession(std::string tracking_id, TestCalls& calls, KeyedCounter& users)
      : tracking_id_(std::move(tracking_id)), calls_(calls), users_(users) {}

  void on_open(WsConnection& c) override {
    if (!is_uuid(tracking_id_)) return c.close(1008, "Invalid trackingId");
    auth_deadline_ = SteadyClock::now() + c.settings().config.live.auth_timeout;
  }

  void on_message(WsConnection& c, std::string_view data, bool binary) override {
    if (waiting_ && !call_) return;  // audio before the session is found has nowhere to go
    if (!call_) return authenticate(c, data, binary);
    // end-call is voxgate's to act on; every other frame goes to the provider unchanged.
    if (!binary && data.find("end-call") != std::string_view::npos) {
      boost::json::value value;
      if (message_type(data, value) == "end-call") return call_->end("customer-ended-call");
    }
    call_->from_browser(&c, std::make_shared<const std::string>(data), binary);
  }

  void on_sweep(WsConnection& c, SteadyTime now) override {
    if (!call_ && !waiting_ && auth_deadline_ != SteadyTime{} && now >= auth_deadline_)
      c.close(1008, "Unauthorized: no auth message");
  }

  void on_close(WsConnection& c) override {
    if (call_) call_->browser_gone(&c);
    user_slot_.release();
  }

 private:
  void authenticate(WsConnection& c, std::string_view data, bool binary) {
    boost::json::value value;
    if (binary || message_type(data, value) != "auth")
      return c.close(1008, "Unauthorized: no auth message");
    const auto* token = value.as_object().if_contains("token");
    if (!token || !token->is_string()) return c.close(1008, std::string(kNotFound));
    TokenCheck check = c.settings().tokens->verify(token->get_string(), unix_millis_now() / 1000);
    if (!check.identity) {
      log::info("test call token refused", {{"remote", c.info().remote}, {"reason", check.detail}});
      return c.close(1008, check.expired() ? "Unauthorized: token expired" : kNotFound);
    }
    auto slot = user_connection_slot(users_, check.identity->user_id,
                                     c.settings().config.limits.connections_per_user);
    if (!slot) return c.close(1008, kTooManyUserConnections);
    user_slot_ = std::move(*slot);
    // The store decides (this node's call, or one started on another node): meanwhile further
    // frames are not the auth message and are ignored.
    waiting_ = true;
    calls_.attachable(
        tracking_id_, *check.identity,
        [weak = c.weak_from_this(), executor = c.executor(), this](TestCalls::Attachable found) {
          boost::asio::post(executor, [weak, this, found = std::move(found)] {
            if (auto conn = weak.lock()) attached(*conn, found);
          });
        });
  }

  void attached(WsConnection& c, const TestCalls::Attachable& found) {
    if (!found.call) return c.close(1008, found.refusal);
    call_ = found.call;
    call_->attach(c.shared_from_this());
  }

  std::string tracking_id_;
  TestCalls& calls_;
  KeyedCounter& users_;
  KeyedCounter::Slot user_slot_;  // [limits].connections_per_user
  std::shared_ptr<TestCall> call_;
  bool waiting_ = false;  // authenticated; the session is being looked up
  SteadyTime auth_deadline_{};
};

}  // namespace

std::unique_ptr<WsHandler> make_web_voice_handler(std::string_view path, TestCalls& calls,
                                                  KeyedCounter& users) {
  std::string_view id = path.starts_with(kPrefix) ? path.substr(kPrefix.size()) : "";
  return std::make_unique<WebVoiceSession>(std::string(id), calls, users);
}

}  // namespace voxgate
