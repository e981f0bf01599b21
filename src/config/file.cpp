#include "config/file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "config/options.hpp"
#include "config/units.hpp"
#include "config/values.hpp"

namespace voxgate {
namespace {

std::string where(const toml::source_region& region) {
  std::string text = region.path ? *region.path : std::string("<config>");
  return text + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

std::string kind(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "nothing";
  }
}

// Walks the parsed document, turning each option's node into a value in the Config.
class FileReader {
 public:
  explicit FileReader(Config& config) : config_(config) {}

  // The problems found, in file order (tables iterate in key order, not as written).
  std::vector<std::string> errors() const {
    auto found = found_;
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
    });
    std::vector<std::string> texts;
    for (auto& [position, text] : found) texts.push_back(std::move(text));
    return texts;
  }

  void read_document(const toml::table& document) {
    for (const auto& [key, node] : document) {
      const std::string name(key.str());
      if (!node.is_table()) {
        if (is_section(name))
          fail(node, name + " must be a table: write [" + name + "] and its options below it");
        else
          fail(key, unknown_option_message(name));
      } else if (!is_section(name) && node.as_table()->empty()) {
        fail(key, unknown_section_message(name));
      } else {
        read_table(*node.as_table(), name);
      }
    }
  }

 private:
  void read_table(const toml::table& table, const std::string& prefix) {
    for (const auto& [key, node] : table) {
      const std::string full = prefix + "." + std::string(key.str());
      if (const Option* option = find_option(full))
        read_option(*option, node);
      else if (node.is_table() && !node.as_table()->empty())
        read_table(*node.as_table(), full);  // deeper unknown keys are reported one by one
      else
        fail(key, unknown_option_message(full));
    }
  }

  void read_option(const Option& option, const toml::node& node) {
    Problem problem{&node, {}};
    auto value = convert(option, node, problem);
    if (!value) return fail(*problem.at, problem.text);
    if (!option.accepts(*value))
      return fail(node, option.key + " must be " + option.bound.rule + ", not " +
                            toml_literal(option, *value, true));
    option.access.set(config_, std::move(*value));
    config_.sources[option.key] = "file";
  }

  struct Problem {
    const toml::node* at;  // the node to point at: the value, or the list element at fault
    std::string text;
  };

  static std::optional<OptionValue> convert(const Option& option, const toml::node& node,
                                            Problem& problem) {
    const auto mismatch = [&] {
      problem.text = option.key + " must be " + expected_text(option.type) + ", not " + kind(node);
      return std::nullopt;
    };
    const auto unparsable = [&](const std::string& why) {
      problem.text = option.key + ": " + why;
      return std::nullopt;
    };
    std::string why;
    switch (option.type) {
      case OptionType::string:
        if (node.is_string()) return OptionValue{node.as_string()->get()};
        return mismatch();
      case OptionType::boolean:
        if (node.is_boolean()) return OptionValue{node.as_boolean()->get()};
        return mismatch();
      case OptionType::integer:
        if (node.is_integer()) return OptionValue{node.as_integer()->get()};
        return mismatch();
      case OptionType::size:
        if (node.is_integer() && node.as_integer()->get() < 0)
          return unparsable("a size cannot be negative");
        if (node.is_integer()) return OptionValue{node.as_integer()->get()};
        if (!node.is_string()) return mismatch();
        if (auto bytes = parse_size(node.as_string()->get(), &why))
          return OptionValue{static_cast<std::int64_t>(*bytes)};
        return unparsable(why);
      case OptionType::duration: {
        // An integer is refused like the string "5000": the message names the unit to add.
        if (!node.is_string() && !node.is_integer()) return mismatch();
        const std::string text =
            node.is_string() ? node.as_string()->get() : std::to_string(node.as_integer()->get());
        if (auto ms = parse_duration(text, &why)) return OptionValue{*ms};
        return unparsable(why);
      }
      case OptionType::string_list: {
        if (!node.is_array()) return mismatch();
        std::vector<ListItem> items;
        for (const auto& element : *node.as_array()) {
          if (!element.is_string()) {
            problem = {&element, option.key + "[" + std::to_string(items.size()) +
                                     "] must be a string, not " + kind(element)};
            return std::nullopt;
          }
          items.push_back({element.as_string()->get(), option.file_source()});
        }
        return OptionValue{std::move(items)};
      }
    }
    return mismatch();
  }

  template <class Located>
  void fail(const Located& located, const std::string& text) {
    found_.emplace_back(located.source().begin, where(located.source()) + ": " + text);
  }

  Config& config_;
  std::vector<std::pair<toml::source_position, std::string>> found_;
};

std::optional<std::string> read_text(const std::string& path, std::vector<std::string>& errors) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors.push_back("cannot read config file \"" + path + "\": it is a directory");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back("cannot read config file \"" + path + "\": " + std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void read_config_file(const std::string& path, Config& config, std::vector<std::string>& errors) {
  const auto text = read_text(path, errors);
  if (!text) return;
  try {
    const toml::table document = toml::parse(*text, path);
    FileReader reader(config);
    reader.read_document(document);
    for (auto& error : reader.errors()) errors.push_back(std::move(error));
  } catch (const toml::parse_error& e) {
    errors.push_back(where(e.source()) + ": TOML syntax error: " + std::string(e.description()));
  }
}

}  // namespace voxgate
