// What only the SQLite event history has: its file, WAL, migrations, durability after kill -9.
// The behaviour every backend shares is in event_store_contract.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "sqlite_test_file.hpp"
#include "store/sqlite_event_store.hpp"
#include "store/sqlite_migrations.hpp"

namespace voxgate {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

NewEvent event(std::string org, std::string body, std::string user = {}, std::int64_t ts = 1000) {
  return {std::move(org), std::move(user), "transcript", std::move(body), ts};
}

class EventStoreTest : public SqliteFileTest {
 protected:
  std::unique_ptr<EventStore> open(SqliteSync sync = SqliteSync::normal) {
    std::string error;
    auto store = open_sqlite_event_store(path_, error, sync);
    EXPECT_TRUE(store) << error;
    return store;
  }
};

// ---------------------------------------------------------------- the file

TEST_F(EventStoreTest, UsesWriteAheadLogging) {
  open()->append({event("a", "{}")});
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(EventStoreTest, MigrationsRunOnceAcrossReopens) {
  for (int i = 0; i < 3; ++i) open()->append({event("a", "{}")});
  const auto migrations = sqlite_migrations();
  EXPECT_EQ(count_rows(path_, "SELECT count(*) FROM schema_migrations"),
            static_cast<std::int64_t>(migrations.size()));
  EXPECT_EQ(count_rows(path_, "SELECT max(version) FROM schema_migrations"),
            migrations.back().version);
  EXPECT_EQ(count_rows(path_, "SELECT count(*) FROM events"), 3);
}

TEST_F(EventStoreTest, MigrationVersionsCountUpFromOne) {
  int expected = 1;
  for (const auto& migration : sqlite_migrations()) {
    EXPECT_EQ(migration.version, expected++) << migration.name;
    EXPECT_FALSE(migration.name.empty());
  }
}

TEST_F(EventStoreTest, RefusesASchemaFromANewerVoxgate) {
  open();
  run_sql(path_,
          "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (999, 'future', 0)");
  std::string error;
  EXPECT_FALSE(open_sqlite_event_store(path_, error));
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  EXPECT_NE(error.find("schema version 999"), std::string::npos) << error;
}

TEST_F(EventStoreTest, MissingDirectoryIsNamedWithTheFix) {
  const auto path = (dir_ / "absent" / "voxgate.db").string();
  std::string error;
  EXPECT_FALSE(open_sqlite_event_store(path, error));
  EXPECT_NE(error.find("directory \"" + (dir_ / "absent").string() + "\" does not exist"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("VOXGATE_DB"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir_ / "absent"));
}

TEST_F(EventStoreTest, AFileThatIsNotADatabaseIsRefusedWithSqlitesReason) {
  std::ofstream(path_, std::ios::binary) << std::string(4096, 'z');
  std::string error;
  EXPECT_FALSE(open_sqlite_event_store(path_, error));
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST_F(EventStoreTest, HealthyUntilTheFileIsRemoved) {
  auto store = open();
  EXPECT_TRUE(store->healthy());
  fs::remove(path_);
  EXPECT_FALSE(store->healthy());
}

TEST_F(EventStoreTest, FullSynchronousModeStoresTheSame) {
  auto store = open(SqliteSync::full);
  store->append({event("a", "{}")});
  store.reset();
  EXPECT_EQ(open()->last_seq("a"), 1u);
}

TEST_F(EventStoreTest, OpensFromTheStoreConfig) {
  StoreConfig config;
  config.path = path_;
  config.synchronous = "full";
  std::string error;
  auto store = open_sqlite_event_store(config, error);
  ASSERT_TRUE(store) << error;
  EXPECT_TRUE(store->healthy());
}

// A child process appends and kills itself with SIGKILL the moment append returns; the parent
// must find every event, as after a kill -9 of the gateway.
TEST_F(EventStoreTest, EventsSurviveAKillRightAfterAppendReturns) {
  constexpr int batches = 20;
  constexpr int per_batch = 50;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string error;
    auto store = open_sqlite_event_store(path_, error);
    if (!store) ::_exit(2);
    for (int b = 0; b < batches; ++b) {
      std::vector<NewEvent> batch;
      for (int i = 0; i < per_batch; ++i)
        batch.push_back(event(i % 2 ? "odd" : "even", std::to_string(b * per_batch + i)));
      store->append(std::move(batch));
    }
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto store = open();
  const auto even = store->since("even", 0, "", no_limit);
  const auto odd = store->since("odd", 0, "", no_limit);
  ASSERT_EQ(even.events.size(), static_cast<std::size_t>(batches * per_batch / 2));
  ASSERT_EQ(odd.events.size(), static_cast<std::size_t>(batches * per_batch / 2));
  EXPECT_EQ(even.events.back().body, std::to_string(batches * per_batch - 2));
  EXPECT_EQ(odd.events.back().body, std::to_string(batches * per_batch - 1));
  EXPECT_EQ(store->last_seq("even"), static_cast<std::uint64_t>(batches * per_batch / 2));
}

// ---------------------------------------------------------------- event ids as text

TEST(EventStoreIds, ParseIsTheInverseOfId) {
  StoredEvent e;
  e.seq = 18446744073709551615u;
  EXPECT_EQ(parse_event_id(e.id()), e.seq);
  EXPECT_EQ(parse_event_id("0"), 0u);
  EXPECT_EQ(parse_event_id("42"), 42u);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1a", "0x10", "18446744073709551616"})
    EXPECT_FALSE(parse_event_id(bad)) << bad;
}

}  // namespace
}  // namespace voxgate
