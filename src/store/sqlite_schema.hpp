#pragma once
// Applies pending migrations at open, each in its own transaction, recorded in schema_migrations.

#include <span>

#include "store/sqlite.hpp"
#include "store/sqlite_migrations.hpp"

namespace voxgate {

// Brings the database up to the last of `migrations`; throws StoreError, also when the database
// was migrated by a newer voxgate than this one.
void migrate(SqliteDb& db, std::span<const Migration> migrations);

}  // namespace voxgate
