#pragma once
// Option values as text: parsing environment variables, writing TOML literals.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/options.hpp"

namespace voxgate {

inline constexpr std::string_view masked = "********";

// Parses one environment variable's text for `option`; list entries are labelled `source`.
// Surrounding whitespace is ignored. On failure returns nullopt and says why in `why`.
std::optional<OptionValue> parse_env_text(const Option& option, EnvForm form, std::string_view text,
                                          std::string_view source, std::string* why);

// Comma-separated entries, trimmed, blanks ignored: "a, ,b," -> {"a", "b"}.
std::vector<ListItem> split_list(std::string_view text, std::string_view source);

// A TOML literal for the value: "127.0.0.1:8080", 0, true, "16KiB", "10s", ["a", "b"].
// With `mask`, a secret's non-empty strings become "********".
std::string toml_literal(const Option& option, const OptionValue& value, bool mask);

// A TOML basic string with the needed escapes.
std::string toml_string(std::string_view text);

}  // namespace voxgate
