#pragma once
// Browser test call ids: UUID v4 from the operating system's CSPRNG, unguessable because the
// id alone names the session a browser attaches to (the owner is checked too).

#include <string>
#include <string_view>

namespace voxgate {

std::string new_tracking_id();
bool is_uuid(std::string_view text);

}  // namespace voxgate
