// Configuration as TOML text for people: the effective values (check-config) and the example file.
#include <algorithm>

#include "config/load.hpp"
#include "config/options.hpp"
#include "config/units.hpp"
#include "config/values.hpp"

namespace voxgate {
namespace {

// Options grouped by section, in table order.
std::vector<std::vector<const Option*>> sections() {
  std::vector<std::vector<const Option*>> groups;
  for (const auto& option : options()) {
    if (groups.empty() || groups.back().front()->section() != option.section())
      groups.emplace_back();
    groups.back().push_back(&option);
  }
  return groups;
}

struct Line {
  std::string text;
  std::string comment;  // without "# "; empty: none
};

// "allow = [" plus one line per entry with its source, so each origin says where it came from.
void add_list_lines(const Option& option, const std::vector<ListItem>& items,
                    const std::string& source, std::vector<Line>& lines) {
  lines.push_back({std::string(option.name()) + " = [", source});
  for (const auto& item : items)
    lines.push_back({"  " + toml_string(option.secret ? masked : item.text) + ",", item.source});
  lines.push_back({"]", {}});
}

std::string render(const std::vector<Line>& lines) {
  std::size_t width = 0;
  for (const auto& line : lines)
    if (!line.comment.empty()) width = std::max(width, line.text.size());
  std::string out;
  for (const auto& line : lines) {
    out += line.text;
    if (!line.comment.empty())
      out += std::string(width - line.text.size() + 2, ' ') + "# " + line.comment;
    out += '\n';
  }
  return out;
}

std::string env_text(const Option& option) {
  std::string text = "env: ";
  for (std::size_t i = 0; i < option.env.size(); ++i) {
    const auto& var = option.env[i];
    text += (i ? ", " : "") + var.name;
    if (var.form == EnvForm::one_item) text += " (one entry)";
    if (var.form == EnvForm::port) text += " (a port number, meaning 0.0.0.0:<port>)";
  }
  return text;
}

constexpr std::string_view example_header =
    R"(# voxgate.example.toml: every voxgate option with its default value.
#
# Generated from the option table in src/config/options.cpp; a unit test keeps this file equal to
# it. Uncomment a line to change a value; `voxgate check-config --config FILE` shows the result.
#
# Environment: every option can also be set by VOXGATE_<SECTION>_<KEY> (e.g.
# VOXGATE_LIMITS_HEADER_BYTES) and by the further names listed with it. For a single value the
# first variable set, in the order listed, wins over this file. String lists are merged: this
# file's entries, then each variable's, comma-separated with blanks ignored unless marked
# "one entry". A variable that is empty counts as unset.
#
# Sizes: )";

}  // namespace

std::string describe_config(const Config& config) {
  std::string out = "# voxgate effective configuration; secrets are masked\n";
  out += config.path.empty() ? "# file: none (defaults and environment only)\n"
                             : "# file: " + config.path + "\n";
  out +=
      "# each comment says where the value came from: default, file, or an environment variable\n";
  for (const auto& group : sections()) {
    std::vector<Line> lines;
    for (const Option* option : group) {
      const auto value = option->access.get(config);
      const auto found = config.sources.find(option->key);
      const std::string source = found == config.sources.end() ? "default" : found->second;
      const auto* items = std::get_if<std::vector<ListItem>>(&value);
      if (items && !items->empty())
        add_list_lines(*option, *items, source, lines);
      else
        lines.push_back(
            {std::string(option->name()) + " = " + toml_literal(*option, value, true), source});
    }
    out += "\n[" + std::string(group.front()->section()) + "]\n" + render(lines);
  }
  return out;
}

std::string example_toml() {
  const Config defaults;
  std::string out(example_header);
  out += std::string(size_syntax) + ".\n# Durations: " + std::string(duration_syntax) +
         "; a bare number is refused.\n";
  for (const auto& group : sections()) {
    out += "\n[" + std::string(group.front()->section()) + "]\n";
    for (const Option* option : group) {
      out += "\n# " + option->meaning + "\n";
      if (!option->bound.rule.empty()) out += "# must be " + option->bound.rule + "\n";
      if (option->secret) out += "# secret: check-config shows it as \"********\"\n";
      out += "# " + env_text(*option) + "\n";
      out += "# " + std::string(option->name()) + " = " +
             toml_literal(*option, option->access.get(defaults), false) + "\n";
    }
  }
  return out;
}

}  // namespace voxgate
