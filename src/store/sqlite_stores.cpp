#include "store/sqlite_stores.hpp"

#include <filesystem>
#include <utility>

#include "store/sqlite_call_store.hpp"
#include "store/sqlite_checkpointer.hpp"
#include "store/sqlite_schema.hpp"

namespace voxgate {
namespace {

// Another process (a backup, the sqlite3 shell) may hold a lock for a moment.
constexpr int busy_timeout_ms = 5000;
// Often enough that the WAL stays a few MiB even at 80,000 events/s.
constexpr int checkpoint_period_ms = 500;
constexpr const char* wal_size_limit = "67108864";  // truncate the WAL back to 64 MiB after use

void configure(SqliteDb& db, SqliteSync sync) {
  db.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms));
  if (const auto mode = db.first_text("PRAGMA journal_mode = WAL"); mode != "wal")
    throw StoreError("SQLite file \"" + db.path() + "\": cannot switch to WAL mode (journal_mode " +
                     "stays \"" + mode + "\"); put the file on a local filesystem");
  db.exec(sync == SqliteSync::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec(std::string("PRAGMA journal_size_limit = ") + wal_size_limit);
}

}  // namespace

std::optional<SqliteStores> open_sqlite_stores(const std::string& path, std::string& error,
                                               SqliteSync sync) {
  const auto directory = std::filesystem::path(path).parent_path();
  std::error_code ignored;
  if (!directory.empty() && !std::filesystem::is_directory(directory, ignored)) {
    error = "cannot open the store \"" + path + "\": directory \"" + directory.string() +
            "\" does not exist; create it, or set store.path (env VOXGATE_DB) to a file in an "
            "existing directory";
    return std::nullopt;
  }
  // NOMUTEX: one thread at a time uses the stores (see EventStore), so SQLite's own locks are
  // waste.
  std::shared_ptr<SqliteDb> db =
      SqliteDb::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, error);
  if (!db) return std::nullopt;
  try {
    configure(*db, sync);
    migrate(*db, sqlite_migrations());
    // Commits never checkpoint; a second connection does it off the writer's thread.
    db->exec("PRAGMA wal_autocheckpoint = 0");
    auto side = SqliteDb::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, error);
    if (!side) return std::nullopt;
    side->exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms));
    auto checkpointer = std::make_shared<SqliteCheckpointer>(std::move(side), checkpoint_period_ms);
    SqliteStores stores;
    stores.events = std::make_unique<SqliteEventStore>(db, checkpointer);
    stores.calls = std::make_unique<SqliteCallStore>(db, checkpointer);
    return stores;
  } catch (const StoreError& e) {
    error = e.what();
    return std::nullopt;
  }
}

std::optional<SqliteStores> open_sqlite_stores(const StoreConfig& config, std::string& error) {
  return open_sqlite_stores(config.path, error,
                            config.synchronous == "full" ? SqliteSync::full : SqliteSync::normal);
}

}  // namespace voxgate
