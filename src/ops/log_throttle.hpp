#pragma once
// Rate-limits a log line per key (e.g. per refused origin) so a flood cannot flood the logs.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace voxgate {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_key`: at most one line per key per interval; `max_keys` bounds memory under random keys.
  explicit LogThrottle(std::chrono::milliseconds per_key, std::size_t max_keys = 4096)
      : interval_(per_key), max_keys_(max_keys) {}

  // True when a line for `key` may be written now; `suppressed` is set to the number of
  // lines held back for this key since the last one written.
  bool allow(std::string_view key, Clock::time_point now, std::uint64_t& suppressed);

  void set_interval(std::chrono::milliseconds interval);

 private:
  struct Slot {
    Clock::time_point last;
    std::uint64_t suppressed = 0;
  };
  std::mutex mu_;
  std::chrono::milliseconds interval_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace voxgate
