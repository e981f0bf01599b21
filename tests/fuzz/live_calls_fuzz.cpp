// Dashboards send /ws/live-calls text frames from any page: drive the real session with them.
//
// Input: one text frame per line, handed to the handler that make_live_calls_handler returns,
// on a connection without a socket, with the gateway of fuzz_gateway.hpp behind it (event log,
// hub, HS256 tokens). After the frames an event is published to the org, and the connection's
// auth deadline passes, then it closes.

#include <atomic>
#include <boost/json/parse.hpp>

#include "fuzz_gateway.hpp"
#include "fuzz_support.hpp"
#include "live/live_calls_session.hpp"

namespace {

using namespace voxgate;
namespace json = boost::json;

constexpr std::size_t kMaxFrames = 32;
// RFC 6455 5.5: a close frame's payload is at most 125 bytes, 2 of them the code.
constexpr std::size_t kMaxCloseReason = 123;

// Records what the session sends and checks that it is what the protocol promises.
class FakeConnection final : public WsConnection {
 public:
  FakeConnection(SettingsPtr settings, boost::asio::any_io_executor executor)
      : executor_(std::move(executor)) {
    settings_ = std::move(settings);
    info_ = {"192.0.2.7:50000", "https://app.voxanne.ai", "/ws/live-calls", "/ws/live-calls"};
  }

  void send(SharedPayload payload, bool binary) override {
    FUZZ_CHECK(payload && !binary);
    if (fuzz::tracing()) std::fprintf(stderr, "sent %s\n", payload->c_str());
    boost::system::error_code ec;
    const json::value message = json::parse(*payload, ec);
    FUZZ_CHECK(!ec && message.is_object());
    const auto* type = message.get_object().if_contains("type");
    FUZZ_CHECK(type && type->is_string());
    if (*type == "subscribed") subscribed_ = true;
  }

  void close(std::uint16_t code, std::string_view reason) override {
    FUZZ_CHECK(code >= 1000 && code < 5000 && code != 1005 && code != 1006);
    FUZZ_CHECK(reason.size() <= kMaxCloseReason);
    if (fuzz::tracing())
      std::fprintf(stderr, "close %u %.*s\n", code, int(reason.size()), reason.data());
    closed_ = true;
  }

  std::size_t queued_bytes() const override { return 0; }
  boost::asio::any_io_executor executor() override { return executor_; }
  void flush() override {}

  bool closed() const { return closed_; }
  bool subscribed() const { return subscribed_; }

 private:
  boost::asio::any_io_executor executor_;
  bool closed_ = false;
  bool subscribed_ = false;
};

// An event for the org, so a subscribed session has something to deliver.
void publish_to_org(fuzz::Gateway& gateway) {
  NewEvent event{std::string(fuzz::kOrg),
                 {},
                 "call_status",
                 R"({"type":"call_status","vapiCallId":"call-1","status":"ringing"})",
                 0};
  std::atomic<bool> stored{false};
  gateway.log().append({std::move(event)}, [&stored](AppendResult) { stored = true; });
  gateway.settle([&] { return stored.load(); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto frames = fuzz::split(fuzz::as_text(data, size), '\n');
  if (frames.size() > kMaxFrames) return -1;
  auto& gateway = fuzz::Gateway::get();
  auto connection =
      std::make_shared<FakeConnection>(gateway.settings(), gateway.worker().get_executor());
  auto handler = make_live_calls_handler(gateway.live());
  handler->on_open(*connection);
  for (auto frame : frames) {
    if (connection->closed()) break;
    handler->on_message(*connection, frame, false);
    gateway.settle();
  }
  if (connection->subscribed() && !connection->closed()) publish_to_org(gateway);
  const auto later = SteadyClock::now() + gateway.settings()->config.live.auth_timeout;
  if (!connection->closed()) handler->on_sweep(*connection, later);
  handler->on_close(*connection);
  handler.reset();
  gateway.settle();
  return 0;
}
