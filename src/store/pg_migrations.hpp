#pragma once
// The PostgreSQL schema: the SQLite one's tables, versions and names, in PostgreSQL's dialect.
// Several gateway nodes share it, so migrating takes a lock that the other nodes wait for.

#include <span>

#include "store/migration.hpp"
#include "store/pg.hpp"

namespace voxgate {

std::span<const Migration> pg_migrations();

// Brings the database up to the last of `migrations` under an advisory lock; throws StoreError,
// also when a newer voxgate migrated it further than this one knows.
void pg_migrate(PgConnection& db, std::span<const Migration> migrations);

}  // namespace voxgate
