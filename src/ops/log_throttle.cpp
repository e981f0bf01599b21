#include "ops/log_throttle.hpp"

namespace voxgate {

bool LogThrottle::allow(std::string_view key, Clock::time_point now, std::uint64_t& suppressed) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(std::string(key));
  if (it == slots_.end()) {
    if (slots_.size() >= max_keys_) {
      // Forget keys that are past their interval; if all are fresh, one shared key takes over.
      std::erase_if(slots_, [&](const auto& kv) { return now - kv.second.last >= interval_; });
      if (slots_.size() >= max_keys_) key = "*";
    }
    it = slots_.find(std::string(key));
    if (it == slots_.end()) {
      slots_.emplace(std::string(key), Slot{now, 0});
      suppressed = 0;
      return true;
    }
  }
  Slot& slot = it->second;
  if (now - slot.last < interval_) {
    ++slot.suppressed;
    return false;
  }
  suppressed = slot.suppressed;
  slot = Slot{now, 0};
  return true;
}

void LogThrottle::set_interval(std::chrono::milliseconds interval) {
  std::lock_guard lock(mu_);
  interval_ = interval;
}

}  // namespace voxgate
