#pragma once
// Times as Vapi writes them: ISO-8601 strings (startedAt, endedAt) and epoch numbers whose unit
// varies (message.timestamp in ms, HMAC timestamps in s or ms).

#include <cstdint>
#include <optional>
#include <string_view>

namespace voxgate {

// Milliseconds since the epoch of "2025-01-01T10:00:00.000Z" or "...T10:00:00+02:00"; nullopt for
// anything else, including a time without a zone (its meaning would be a guess).
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// `value` read as seconds when below 1e11 (year 5138 in seconds, 1973 in ms), else as ms.
std::int64_t epoch_ms_from_seconds_or_ms(std::int64_t value);

}  // namespace voxgate
