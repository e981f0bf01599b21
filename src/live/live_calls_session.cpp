#include "live/live_calls_session.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "ops/clock.hpp"

namespace voxgate {
namespace {

std::string error_message(std::string_view text) {
  return boost::json::serialize(boost::json::object{{"type", "error"}, {"message", text}});
}

// Subscriptions (JWT, per-org fan-out, recovery) build on this connection in the next step;
// until then a dashboard can connect, ping, and is closed on the auth deadline.
class LiveCallsSession final : public WsHandler {
 public:
  void on_open(WsConnection& c) override {
    auth_deadline_ = SteadyClock::now() + c.settings().config.live.auth_timeout;
  }

  void on_message(WsConnection& c, std::string_view data, bool binary) override {
    if (binary) return c.send_text(error_message("binary frames are not part of this protocol"));
    boost::system::error_code ec;
    auto value = boost::json::parse(data, ec);
    if (ec || !value.is_object())
      return c.send_text(error_message("malformed message: expected a JSON object"));
    const auto* type = value.as_object().if_contains("type");
    if (!type || !type->is_string())
      return c.send_text(error_message("message has no \"type\" string"));
    std::string_view t = type->get_string();
    if (t == "ping")
      return c.send_text(boost::json::serialize(
          boost::json::object{{"type", "pong"}, {"timestamp", iso8601_now()}}));
    if (t == "subscribe" || t == "refresh")
      return c.send_text(error_message("subscriptions are not enabled on this gateway yet"));
    c.send_text(error_message("unknown message type \"" + std::string(t) + "\""));
  }

  void on_sweep(WsConnection& c, SteadyTime now) override {
    if (!subscribed_ && now >= auth_deadline_) c.close(1008, "Unauthorized: no subscribe message");
  }

 private:
  SteadyTime auth_deadline_{};
  bool subscribed_ = false;
};

}  // namespace

std::unique_ptr<WsHandler> make_live_calls_handler() { return std::make_unique<LiveCallsSession>(); }

}  // namespace voxgate
