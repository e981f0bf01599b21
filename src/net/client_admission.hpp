#pragma once
// The per-address limits of a new connection: [limits].connections_per_ip and
// connection_rate_per_ip, counted under the client's address (see limits/client_address.hpp).

#include <string>
#include <variant>

#include "config/config.hpp"
#include "limits/limit_refusal.hpp"
#include "net/server_context.hpp"
#include "net/session.hpp"

namespace voxgate {

// The place the connection holds for `client` until it closes, or why it is refused (counted
// and logged here).
std::variant<KeyedCounter::Slot, LimitRefusal> admit_client(ServerContext& ctx,
                                                            const std::string& client,
                                                            const LimitsConfig& limits,
                                                            SteadyTime now);

}  // namespace voxgate
