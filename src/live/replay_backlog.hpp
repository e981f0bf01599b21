#pragma once
// What a recovering live-calls connection is owed beyond its send queue: the history it asked
// for with `since` and the live events that arrive meanwhile, handed to the queue as the client
// reads, so a recovery larger than [live].queue_bytes is paced instead of closed 1013.

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "net/ws_connection.hpp"

namespace voxgate {

class ReplayBacklog {
 public:
  bool empty() const { return next_ == history_.size() && live_.empty(); }

  // The answer to `since`, owed before anything held after it; only while empty().
  void start(std::vector<std::string> history);
  // A live event that arrived while the history is owed, kept behind it; false (nothing kept)
  // when the events held would pass `limit` bytes: the client does not keep up.
  bool hold(SharedPayload event, std::size_t limit);
  // Hands what is owed to `c` while fewer than `budget` bytes wait in its queue; at least one
  // message when the queue is empty.
  void send_some(WsConnection& c, std::size_t budget);
  void clear();

 private:
  std::vector<std::string> history_;
  std::size_t next_ = 0;  // history_[next_] is the next owed
  std::deque<SharedPayload> live_;
  std::size_t live_bytes_ = 0;
  bool sending_ = false;  // a send can drain the queue and call back in
};

}  // namespace voxgate
