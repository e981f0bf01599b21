#include "store/stores.hpp"

#include "store/pg_stores.hpp"
#include "store/sqlite_stores.hpp"

namespace voxgate {

std::optional<Stores> open_stores(const Config& config, std::string& error) {
  if (!config.database.url.empty()) return open_pg_stores(config.database, error);
  auto stores = open_sqlite_stores(config.store, error);
  if (!stores) return std::nullopt;
  stores->description = "SQLite file " + config.store.path;
  return stores;
}

}  // namespace voxgate
