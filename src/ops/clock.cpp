#include "ops/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace voxgate {

std::int64_t unix_millis_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso8601_now() {
  return iso8601_from_millis(unix_millis_now());
}

std::string iso8601_from_millis(std::int64_t ms) {
  if (ms < 0) ms = 0;  // before 1970 is never a call time
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace voxgate
