#include "ops/log.hpp"

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "ops/clock.hpp"

namespace voxgate::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_out;

constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  for (int i = 0; i < 4; ++i) {
    if (kNames[i] == text) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void set_level(Level level) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view msg, boost::json::object fields) {
  if (!enabled(level)) return;
  boost::json::object line;
  line.reserve(fields.size() + 3);
  line["ts"] = iso8601_now();
  line["level"] = kNames[static_cast<int>(level)];
  line["msg"] = msg;
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  std::lock_guard lock(g_out);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace voxgate::log
