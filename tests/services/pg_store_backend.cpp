// The store contract on a real PostgreSQL: a schema per test, read back through plain libpq.
#include "pg_server.hpp"
#include "store/pg_stores.hpp"
#include "store_contract.hpp"

namespace voxgate {
namespace {

class PgBackend final : public StoreBackend {
 public:
  explicit PgBackend(const std::string& test_name)
      : url_(testing::pg_fresh_schema_url(test_name)) {}
  Stores open() override {
    DatabaseConfig config;
    config.url = url_;
    std::string error;
    auto stores = open_pg_stores(config, error);
    if (!stores) throw std::runtime_error(error);
    return std::move(*stores);
  }
  long long count(const std::string& sql) override { return testing::pg_count(url_, sql); }

 private:
  std::string url_;
};

const StoreBackendParam postgres{
    "Postgres", [](const std::string& name) { return std::make_unique<PgBackend>(name); }};

INSTANTIATE_TEST_SUITE_P(Postgres, EventStoreContract, ::testing::Values(postgres), backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, CallStoreContract, ::testing::Values(postgres), backend_name);

}  // namespace
}  // namespace voxgate
