#pragma once
// Sizes and durations as people write them in a config file: "64KiB", "250ms", "1m30s".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace voxgate {

// Whole bytes, optionally with a binary unit: "65536", "512B", "64KiB", "1MiB", "2GiB".
// Decimal units (kb, MB) are refused so 16kb can never silently mean 16000 or 16384.
// On failure returns nullopt and says why in `why`, including the accepted forms.
std::optional<std::uint64_t> parse_size(std::string_view text, std::string* why);

// One or more whole-number components with a unit each: "250ms", "5s", "2m", "1h", "1m30s".
// A bare number is refused: a missing unit is the commonest duration mistake.
std::optional<Millis> parse_duration(std::string_view text, std::string* why);

// The shortest exact spelling: 16384 -> "16KiB", 1000 -> "1000B".
std::string format_size(std::uint64_t bytes);
// The largest exact unit: 10000ms -> "10s", 90000ms -> "90s", 1500ms -> "1500ms".
std::string format_duration(Millis value);

// The accepted forms, for help texts and error messages.
inline constexpr std::string_view size_syntax =
    R"(bytes, or a string like "512B", "64KiB", "1MiB", "1GiB")";
inline constexpr std::string_view duration_syntax =
    R"(a string like "250ms", "5s", "2m", "1h" or "1m30s")";

}  // namespace voxgate
