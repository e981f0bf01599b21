#pragma once
// The one table of options: each option's TOML key, type, meaning, environment names, secrecy,
// bounds, and how to read and write it in a Config. Defaults live only in config.hpp.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"

namespace voxgate {

enum class OptionType { string, boolean, integer, size, duration, string_list };

// One entry of a string list and where it came from ("[origins].allow", "FRONTEND_URL", ...).
struct ListItem {
  std::string text;
  std::string source;  // empty when the Config field does not keep sources
};

// An option's value, type-erased: string, boolean, integer or size (bytes), duration, list.
using OptionValue = std::variant<std::string, bool, std::int64_t, Millis, std::vector<ListItem>>;

// How the text of an environment variable becomes a value.
enum class EnvForm {
  standard,  // the option's own syntax; for lists: comma-separated, blanks ignored
  one_item,  // lists: the whole text is one entry (FRONTEND_URL, VOXGATE_API_KEY)
  port,      // server.listen: a port number meaning 0.0.0.0:<port>, as hosting platforms set PORT
};

struct EnvVar {
  std::string name;
  EnvForm form = EnvForm::standard;
};

// Reads and writes one Config field as an OptionValue.
struct Access {
  std::function<OptionValue(const Config&)> get;
  std::function<void(Config&, OptionValue)> set;
};

// A rule a value of the right type must also follow; `rule` completes "must be ...".
struct Bound {
  std::string rule;  // "between 1KiB and 1MiB"; empty: any value of the type
  std::function<bool(const OptionValue&)> holds;
};

struct Option {
  std::string key;  // "limits.header_bytes" is header_bytes in the file's [limits] table
  OptionType type;
  Access access;
  std::string meaning;  // one line, for the example file
  Bound bound = {};
  // Spec names; options() puts the automatic VOXGATE_<SECTION>_<KEY> first. Single values take
  // the first one set; lists take entries from every one set, merged after the file's.
  std::vector<EnvVar> env = {};
  bool secret = false;  // masked as "********" whenever shown

  std::string_view section() const { return std::string_view(key).substr(0, key.find('.')); }
  std::string_view name() const { return std::string_view(key).substr(key.find('.') + 1); }
  std::string file_source()
      const;  // "[origins].allow": how list entries from the file are labelled
  bool accepts(const OptionValue& value) const { return !bound.holds || bound.holds(value); }
};

// Every option, in the order of the example file.
const std::vector<Option>& options();
const Option* find_option(std::string_view key);
bool is_section(std::string_view name);

// VOXGATE_LIMITS_HEADER_BYTES for "limits.header_bytes".
std::string automatic_env_name(std::string_view key);

// "unknown option servr.listen; did you mean server.listen?", or the known names when no option
// is close enough to be a plausible typo.
std::string unknown_option_message(std::string_view key);
std::string unknown_section_message(std::string_view name);

// "an integer", "a size (bytes, or ...)": what a value of this type looks like, for messages.
std::string expected_text(OptionType type);

}  // namespace voxgate
