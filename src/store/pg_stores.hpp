#pragma once
// Opening PostgreSQL: one pool serves the event history and the call store, migrated on open.

#include <optional>
#include <string>

#include "config/config.hpp"
#include "store/stores.hpp"

namespace voxgate {

// Connects once to migrate (so a wrong URL, password or database fails at start, not at the
// first event); nullopt with `error` naming the server and the setting.
std::optional<Stores> open_pg_stores(const DatabaseConfig& config, std::string& error);

}  // namespace voxgate
