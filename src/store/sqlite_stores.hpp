#pragma once
// Opening the SQLite file: one connection serves the event history and the call store, so a
// webhook's call record, its de-duplication key and its events commit in one transaction
// (EventStore::write_transaction).

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "store/call_store.hpp"
#include "store/event_store.hpp"
#include "store/sqlite_event_store.hpp"
#include "store/stores.hpp"

namespace voxgate {

// Both share one connection opened without SQLite's own mutex: use them from one thread at a
// time, the same thread for both (see EventStore). Either may outlive the other.
using SqliteStores = Stores;

// Opens (creating when absent) and migrates the file; nullopt with `error` set when that fails.
std::optional<SqliteStores> open_sqlite_stores(const std::string& path, std::string& error,
                                               SqliteSync sync = SqliteSync::normal);
// The same from [store]: path and synchronous.
std::optional<SqliteStores> open_sqlite_stores(const StoreConfig& config, std::string& error);

}  // namespace voxgate
