#include "result_line.hpp"

#include <cstdio>

namespace loadgen {

ResultLine::ResultLine(std::string_view kind, std::string_view scenario) {
  line_ += kind;
  line_ += " scenario=";
  line_ += scenario;
}

ResultLine& ResultLine::add(std::string_view key, std::string_view value) {
  line_ += ' ';
  line_ += key;
  line_ += '=';
  // Values with spaces (error texts) are quoted so a line still splits on spaces into pairs.
  bool quote = value.find(' ') != std::string_view::npos || value.empty();
  if (quote) line_ += '"';
  for (char c : value) line_ += c == '"' ? '\'' : c;
  if (quote) line_ += '"';
  return *this;
}

ResultLine& ResultLine::add(std::string_view key, double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return add(key, std::string_view(text));
}

ResultLine& ResultLine::ms(std::string_view key, std::int64_t ns) {
  return add(key, static_cast<double>(ns) / 1e6, 3);
}

void ResultLine::print() const {
  std::fputs(line_.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void note(const std::string& text) {
  std::fputs(text.c_str(), stderr);
  std::fputc('\n', stderr);
}

}  // namespace loadgen
