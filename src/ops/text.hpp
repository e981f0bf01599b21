#pragma once
// Small text helpers shared by config parsing, origin matching and "did you mean" suggestions.

#include <cstddef>
#include <string>
#include <string_view>

namespace voxgate {

// `text` without leading and trailing characters from `chars`.
std::string_view trim(std::string_view text, std::string_view chars = " \t\r\n");
// ASCII lower case; other bytes unchanged (locale-independent on purpose).
std::string to_lower(std::string_view text);
// Levenshtein distance: insertions, deletions and substitutions, each costing 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace voxgate
