#include "app/echo_handler.hpp"

namespace voxgate {
namespace {

class EchoHandler final : public WsHandler {
 public:
  void on_message(WsConnection& c, std::string_view data, bool binary) override {
    c.send(std::make_shared<const std::string>(data), binary);
  }
};

}  // namespace

std::unique_ptr<WsHandler> make_echo_handler() {
  return std::make_unique<EchoHandler>();
}

}  // namespace voxgate
