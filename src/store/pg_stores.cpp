#include "store/pg_stores.hpp"

#include "store/pg_call_store.hpp"
#include "store/pg_event_store.hpp"
#include "store/pg_migrations.hpp"

namespace voxgate {
namespace {
// How long the store's thread waits for a free connection before the request fails.
constexpr std::chrono::milliseconds pool_wait{10'000};
}  // namespace

std::optional<Stores> open_pg_stores(const DatabaseConfig& config, std::string& error) {
  auto pool = std::make_shared<PgPool>(config.url, config.pool_size, pool_wait);
  try {
    auto conn = pool->acquire();
    pg_migrate(*conn, pg_migrations());
  } catch (const StoreError& e) {
    error = e.what();
    return std::nullopt;
  }
  auto session = std::make_shared<PgSession>(pool);
  return Stores{std::make_unique<PgEventStore>(session), std::make_unique<PgCallStore>(session),
                "PostgreSQL at " + pool->server()};
}

}  // namespace voxgate
