#include "config/units.hpp"

#include <array>
#include <charconv>
#include <limits>

#include "ops/text.hpp"

namespace voxgate {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr std::array<Unit, 4> size_units{
    {{"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}}};
constexpr std::array<Unit, 4> duration_units{
    {{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads the leading decimal digits of `text` into `out`; false on overflow or no digits.
bool take_number(std::string_view& text, std::uint64_t& out) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  if (n == 0) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, out);
  text.remove_prefix(n);
  return ec == std::errc{};
}

std::string_view take_letters(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && !is_digit(text[n]) && text[n] != ' ' && text[n] != '\t') ++n;
  const auto letters = text.substr(0, n);
  text.remove_prefix(n);
  return letters;
}

// Multiplies without wrapping around: an absurd value is an error, not a tiny one.
bool scale(std::uint64_t value, std::uint64_t factor, std::uint64_t limit, std::uint64_t& out) {
  if (value > limit / factor) return false;
  out = value * factor;
  return true;
}

void say(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text, std::string* why) {
  std::string_view rest = trim(text, " \t");
  if (!rest.empty() && rest.front() == '-') {
    say(why, "a size cannot be negative");
    return std::nullopt;
  }
  std::uint64_t number = 0;
  if (!take_number(rest, number)) {
    say(why, "not a size: expected " + std::string(size_syntax));
    return std::nullopt;
  }
  if (!rest.empty() && (rest.front() == '.' || rest.front() == ',')) {
    say(why, R"(a size is a whole number: write e.g. "1536KiB" rather than "1.5MiB")");
    return std::nullopt;
  }
  rest = trim(rest, " \t");
  std::uint64_t factor = 1;
  if (!rest.empty()) {
    const Unit* unit = nullptr;
    for (const auto& candidate : size_units)
      if (candidate.name == rest) unit = &candidate;
    if (!unit) {
      say(why, "unknown size unit \"" + std::string(rest) + "\"; use B, KiB, MiB or GiB (e.g. \"" +
                   std::to_string(number) + "KiB\")");
      return std::nullopt;
    }
    factor = unit->factor;
  }
  std::uint64_t bytes = 0;
  if (!scale(number, factor, std::numeric_limits<std::int64_t>::max(), bytes)) {
    say(why, "size too large");
    return std::nullopt;
  }
  return bytes;
}

std::optional<Millis> parse_duration(std::string_view text, std::string* why) {
  std::string_view rest = trim(text, " \t");
  if (!rest.empty() && rest.front() == '-') {
    say(why, "a duration cannot be negative");
    return std::nullopt;
  }
  if (rest.empty()) {
    say(why, "not a duration: expected " + std::string(duration_syntax));
    return std::nullopt;
  }
  // A year in milliseconds: far above any sensible timeout, far below overflow.
  constexpr std::uint64_t limit = 366ull * 24 * 3'600'000;
  std::uint64_t total = 0;
  while (!rest.empty()) {
    std::uint64_t number = 0;
    if (!take_number(rest, number)) {
      say(why, "not a duration: expected " + std::string(duration_syntax));
      return std::nullopt;
    }
    const auto letters = take_letters(rest);
    if (letters.empty()) {
      const auto n = std::to_string(number);
      say(why, "\"" + std::string(trim(text, " \t")) + "\" has no unit; write e.g. \"" + n +
                   "ms\" or \"" + n + "s\"");
      return std::nullopt;
    }
    const Unit* unit = nullptr;
    for (const auto& candidate : duration_units)
      if (candidate.name == letters) unit = &candidate;
    if (!unit) {
      say(why, "unknown duration unit \"" + std::string(letters) + "\"; use ms, s, m or h");
      return std::nullopt;
    }
    std::uint64_t part = 0;
    if (!scale(number, unit->factor, limit, part) || part > limit - total) {
      say(why, "duration too long (at most 366 days)");
      return std::nullopt;
    }
    total += part;
  }
  return Millis{static_cast<Millis::rep>(total)};
}

std::string format_size(std::uint64_t bytes) {
  for (const auto& unit : size_units)
    if (bytes != 0 && bytes % unit.factor == 0)
      return std::to_string(bytes / unit.factor) + std::string(unit.name);
  return "0B";
}

std::string format_duration(Millis value) {
  const auto ms = static_cast<std::uint64_t>(value.count() < 0 ? 0 : value.count());
  for (const auto& unit : duration_units)
    if (ms != 0 && ms % unit.factor == 0)
      return std::to_string(ms / unit.factor) + std::string(unit.name);
  return "0s";
}

}  // namespace voxgate
