#pragma once
// [limits].connections_per_user: live-calls and test-call sockets count alike, per user id.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "limits/keyed_counter.hpp"

namespace voxgate {

// The close reason (with 1008) of the socket over the limit.
inline constexpr std::string_view kTooManyUserConnections = "Too many connections for this user";

// The user's place, held until the socket closes; nullopt, counted and logged, when the user
// already has `limit` sockets open.
std::optional<KeyedCounter::Slot> user_connection_slot(KeyedCounter& users,
                                                       const std::string& user_id,
                                                       std::size_t limit);

}  // namespace voxgate
