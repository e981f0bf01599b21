#pragma once
// The bytes a subscriber receives for one event, built once and shared by every recipient.

#include <cstdint>
#include <string>
#include <string_view>

namespace voxgate {

// `body` is the stored event object (without id and orgId); the result adds both without
// parsing the body again.
std::string encode_event(std::string_view org_id, std::uint64_t seq, std::string_view body);

}  // namespace voxgate
