#pragma once
// One measurement per line, "result scenario=… key=value …", so scripts can grep and awk it.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

class ResultLine {
 public:
  explicit ResultLine(std::string_view kind, std::string_view scenario);
  ResultLine& add(std::string_view key, std::string_view value);
  ResultLine& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  template <std::integral T>
  ResultLine& add(std::string_view key, T value) {
    return add(key, std::string_view(std::to_string(value)));
  }
  ResultLine& add(std::string_view key, double value, int decimals);
  ResultLine& ms(std::string_view key, std::int64_t ns);  // nanoseconds shown as ms, 3 decimals
  void print() const;

 private:
  std::string line_;
};

// Progress and diagnostics go to stderr, results to stdout.
void note(const std::string& text);

}  // namespace loadgen
