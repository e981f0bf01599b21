#include "limits/user_connections.hpp"

#include "limits/limit_refusal.hpp"

namespace voxgate {

std::optional<KeyedCounter::Slot> user_connection_slot(KeyedCounter& users,
                                                       const std::string& user_id,
                                                       std::size_t limit) {
  auto slot = users.acquire(user_id, limit);
  if (!slot)
    note_refusal(LimitRefusal{"connections_per_user", 429,
                              "the user has " + std::to_string(limit) +
                                  " sockets open, the most [limits].connections_per_user allows",
                              std::chrono::seconds(5)},
                 user_id);
  return slot;
}

}  // namespace voxgate
