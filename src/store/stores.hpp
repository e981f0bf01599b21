#pragma once
// The event history and the call store of one gateway, from the settings: the SQLite file of
// [store] by default, PostgreSQL when [database] url is set.

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "store/call_store.hpp"
#include "store/event_store.hpp"

namespace voxgate {

// The two share one database and one transaction (EventStore::write_transaction).
struct Stores {
  std::unique_ptr<EventStore> events;
  std::unique_ptr<CallStore> calls;
  std::string description;  // "SQLite file ./voxgate.db", "PostgreSQL at postgres://…" (redacted)
};

// nullopt with `error` set (what failed and which setting to change) when it cannot be opened.
std::optional<Stores> open_stores(const Config& config, std::string& error);

}  // namespace voxgate
