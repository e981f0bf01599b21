// The store contract on SQLite: a scratch file per test, read back through the plain SQLite API.
#include <algorithm>

#include "sqlite_test_file.hpp"
#include "store/sqlite_stores.hpp"
#include "store_contract.hpp"

namespace voxgate {
namespace {

class SqliteBackend final : public StoreBackend {
 public:
  explicit SqliteBackend(const std::string& test_name) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("voxgate_contract_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    std::string file = test_name;  // "Name/Sqlite" for a parameterized test
    std::replace(file.begin(), file.end(), '/', '_');
    path_ = (dir_ / (file + ".db")).string();
  }
  ~SqliteBackend() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Stores open() override {
    std::string error;
    auto stores = open_sqlite_stores(path_, error);
    if (!stores) throw std::runtime_error(error);
    return std::move(*stores);
  }
  long long count(const std::string& sql) override { return count_rows(path_, sql); }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

const StoreBackendParam sqlite{
    "Sqlite", [](const std::string& name) { return std::make_unique<SqliteBackend>(name); }};

INSTANTIATE_TEST_SUITE_P(Sqlite, EventStoreContract, ::testing::Values(sqlite), backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, CallStoreContract, ::testing::Values(sqlite), backend_name);

}  // namespace
}  // namespace voxgate
