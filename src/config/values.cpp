#include "config/values.hpp"

#include <charconv>

#include "config/units.hpp"
#include "ops/text.hpp"

namespace voxgate {
namespace {

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return n;
}

std::optional<OptionValue> fail(std::string* why, std::string text) {
  if (why) *why = std::move(text);
  return std::nullopt;
}

}  // namespace

std::vector<ListItem> split_list(std::string_view text, std::string_view source) {
  std::vector<ListItem> items;
  while (true) {
    const auto comma = text.find(',');
    const auto entry = trim(text.substr(0, comma));
    if (!entry.empty()) items.push_back({std::string(entry), std::string(source)});
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

std::optional<OptionValue> parse_env_text(const Option& option, EnvForm form, std::string_view text,
                                          std::string_view source, std::string* why) {
  text = trim(text);
  if (form == EnvForm::port) {
    const auto port = parse_integer(text);
    if (!port || *port < 1 || *port > 65535) return fail(why, "expected a port number 1..65535");
    return OptionValue{"0.0.0.0:" + std::to_string(*port)};
  }
  switch (option.type) {
    case OptionType::string:
      return OptionValue{std::string(text)};
    case OptionType::boolean: {
      const auto word = to_lower(text);
      if (word == "true" || word == "1") return OptionValue{true};
      if (word == "false" || word == "0") return OptionValue{false};
      return fail(why, "expected true or false (or 1 or 0)");
    }
    case OptionType::integer:
      if (auto n = parse_integer(text)) return OptionValue{*n};
      return fail(why, "expected an integer");
    case OptionType::size:
      if (auto bytes = parse_size(text, why)) return OptionValue{static_cast<std::int64_t>(*bytes)};
      return std::nullopt;
    case OptionType::duration:
      if (auto ms = parse_duration(text, why)) return OptionValue{*ms};
      return std::nullopt;
    case OptionType::string_list:
      if (form == EnvForm::one_item)
        return OptionValue{std::vector<ListItem>{{std::string(text), std::string(source)}}};
      return OptionValue{split_list(text, source)};
  }
  return fail(why, "unsupported option type");
}

std::string toml_string(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string toml_literal(const Option& option, const OptionValue& value, bool mask) {
  const bool hide = mask && option.secret;
  switch (option.type) {
    case OptionType::string: {
      const auto& text = std::get<std::string>(value);
      return toml_string(hide && !text.empty() ? masked : text);
    }
    case OptionType::boolean:
      return std::get<bool>(value) ? "true" : "false";
    case OptionType::integer:
      return std::to_string(std::get<std::int64_t>(value));
    case OptionType::size:
      return toml_string(format_size(static_cast<std::uint64_t>(std::get<std::int64_t>(value))));
    case OptionType::duration:
      return toml_string(format_duration(std::get<Millis>(value)));
    case OptionType::string_list: {
      std::string out = "[";
      const auto& items = std::get<std::vector<ListItem>>(value);
      for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + toml_string(hide ? masked : items[i].text);
      return out + "]";
    }
  }
  return "\"\"";
}

}  // namespace voxgate
