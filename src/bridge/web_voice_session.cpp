#include "bridge/web_voice_session.hpp"

#include <boost/json/parse.hpp>
#include <cctype>

namespace voxgate {
namespace {

constexpr std::string_view kPrefix = "/api/web-voice/";

// The relay to the provider builds on this connection in a later step; until then no
// session exists, so every authenticated attach is answered as an unknown session.
class WebVoiceSession final : public WsHandler {
 public:
  explicit WebVoiceSession(std::string tracking_id) : tracking_id_(std::move(tracking_id)) {}

  void on_open(WsConnection& c) override {
    if (!is_uuid(tracking_id_)) return c.close(1008, "Invalid trackingId");
    auth_deadline_ = SteadyClock::now() + c.settings().config.live.auth_timeout;
  }

  void on_message(WsConnection& c, std::string_view data, bool binary) override {
    if (authed_) return;
    boost::system::error_code ec;
    auto value = binary ? boost::json::value{} : boost::json::parse(data, ec);
    const auto* obj = (!ec && value.is_object()) ? &value.as_object() : nullptr;
    const auto* type = obj ? obj->if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "auth")
      return c.close(1008, "Unauthorized: no auth message");
    c.close(1008, "Session not found or unauthorized");
  }

  void on_sweep(WsConnection& c, SteadyTime now) override {
    if (!authed_ && auth_deadline_ != SteadyTime{} && now >= auth_deadline_)
      c.close(1008, "Unauthorized: no auth message");
  }

 private:
  std::string tracking_id_;
  SteadyTime auth_deadline_{};
  bool authed_ = false;
};

}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::unique_ptr<WsHandler> make_web_voice_handler(std::string_view path) {
  std::string_view id = path.starts_with(kPrefix) ? path.substr(kPrefix.size()) : "";
  return std::make_unique<WebVoiceSession>(std::string(id));
}

}  // namespace voxgate
