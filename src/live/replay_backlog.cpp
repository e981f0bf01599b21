#include "live/replay_backlog.hpp"

namespace voxgate {

void ReplayBacklog::start(std::vector<std::string> history) {
  history_ = std::move(history);
  next_ = 0;
}

bool ReplayBacklog::hold(SharedPayload event, std::size_t limit) {
  if (live_bytes_ + event->size() > limit) return false;
  live_bytes_ += event->size();
  live_.push_back(std::move(event));
  return true;
}

void ReplayBacklog::send_some(WsConnection& c, std::size_t budget) {
  if (sending_) return;
  sending_ = true;
  while (!empty() && (c.queued_bytes() == 0 || c.queued_bytes() < budget)) {
    if (next_ < history_.size()) {
      c.send_text(std::move(history_[next_++]));
    } else {
      live_bytes_ -= live_.front()->size();
      c.send(std::move(live_.front()), false);
      live_.pop_front();
    }
  }
  if (next_ == history_.size() && next_ > 0) {
    std::vector<std::string>().swap(history_);  // sent: its storage goes back now
    next_ = 0;
  }
  sending_ = false;
}

void ReplayBacklog::clear() {
  std::vector<std::string>().swap(history_);
  next_ = 0;
  std::deque<SharedPayload>().swap(live_);
  live_bytes_ = 0;
}

}  // namespace voxgate
