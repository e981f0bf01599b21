#pragma once
// Structured logs: one JSON object a line on stdout, {"ts","level","msg",...fields}.

#include <boost/json/object.hpp>
#include <string_view>

namespace voxgate::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

bool parse_level(std::string_view text, Level& out);
void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view msg, boost::json::object fields = {});

inline void debug(std::string_view m, boost::json::object f = {}) {
  write(Level::debug, m, std::move(f));
}
inline void info(std::string_view m, boost::json::object f = {}) {
  write(Level::info, m, std::move(f));
}
inline void warn(std::string_view m, boost::json::object f = {}) {
  write(Level::warn, m, std::move(f));
}
inline void error(std::string_view m, boost::json::object f = {}) {
  write(Level::error, m, std::move(f));
}

}  // namespace voxgate::log
