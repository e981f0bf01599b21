#pragma once
// /api/web-voice/<trackingId>: a browser test call's connection (protocol section 5).

#include <memory>
#include <string_view>

#include "net/ws_connection.hpp"

namespace voxgate {

bool is_uuid(std::string_view text);
std::unique_ptr<WsHandler> make_web_voice_handler(std::string_view path);

}  // namespace voxgate
