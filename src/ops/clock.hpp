#pragma once
// Wall-clock time as clients and logs see it.

#include <cstdint>
#include <string>

namespace voxgate {

std::string iso8601_now();  // "2026-11-26T00:09:47.123Z"
std::string iso8601_from_millis(std::int64_t ms);
std::int64_t unix_millis_now();  // ms since the epoch

}  // namespace voxgate
