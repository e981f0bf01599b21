#pragma once
// Lower-case hex, the encoding of HMAC signatures and delivery keys.

#include <string>
#include <string_view>

namespace voxgate {

std::string lower_hex(std::string_view bytes);

}  // namespace voxgate
