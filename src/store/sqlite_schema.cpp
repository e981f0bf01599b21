#include "store/sqlite_schema.hpp"

#include <chrono>

#include "store/event_store.hpp"

namespace voxgate {
namespace {

std::int64_t applied_version(SqliteDb& db) {
  SqliteStatement statement(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  SqliteQuery query(statement);
  return query.next() ? query.integer(0) : 0;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

void migrate(SqliteDb& db, std::span<const Migration> migrations) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at_ms INTEGER NOT NULL)",
      "creating schema_migrations");
  const std::int64_t known = migrations.empty() ? 0 : migrations.back().version;
  const std::int64_t current = applied_version(db);
  if (current > known)
    throw StoreError("SQLite file \"" + db.path() + "\" has schema version " +
                     std::to_string(current) + " but this voxgate knows only up to " +
                     std::to_string(known) + "; run a newer voxgate or point store.path elsewhere");
  SqliteStatement record(db,
                         "INSERT INTO schema_migrations (version, name, applied_at_ms) "
                         "VALUES (?1, ?2, ?3)");
  for (const auto& migration : migrations) {
    if (migration.version <= current) continue;
    // Re-checked under the write lock: another process may have migrated meanwhile.
    SqliteTransaction transaction(db, SqliteTransaction::Kind::write);
    if (applied_version(db) >= migration.version) continue;
    db.exec(migration.sql, "applying migration " + std::to_string(migration.version) + " (" +
                               std::string(migration.name) + ")");
    SqliteQuery(record)
        .bind(1, std::int64_t{migration.version})
        .bind(2, migration.name)
        .bind(3, now_ms())
        .run();
    transaction.commit();
  }
}

}  // namespace voxgate
