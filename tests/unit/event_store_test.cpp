// The SQLite event history: per-org ids, recovery with since, retention, durability, migrations.
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

constexpr std::int64_t long_ago = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

NewEvent event(std::string org, std::string body, std::string user = {}, std::int64_t ts = 1000) {
  return {std::move(org), std::move(user), "transcript", std::move(body), ts};
}

std::vector<std::uint64_t> seqs_of(const std::vector<StoredEvent>& events) {
  std::vector<std::uint64_t> seqs;
  for (const auto& e : events) seqs.push_back(e.seq);
  return seqs;
}

std::vector<std::string> bodies_of(const std::vector<StoredEvent>& events) {
  std::vector<std::string> bodies;
  for (const auto& e : events) bodies.push_back(e.body);
  return bodies;
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

// ---------------------------------------------------------------- ids and append

TEST_F(EventStoreTest, IdsIncreasePerOrgIndependently) {
  auto store = open();
  EXPECT_EQ(store->last_seq("a"), 0u);
  EXPECT_EQ(seqs_of(store->append({event("a", "{}"), event("a", "{}")})),
            (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(seqs_of(store->append({event("b", "{}")})), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(seqs_of(store->append({event("a", "{}")})), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(store->last_seq("a"), 3u);
  EXPECT_EQ(store->last_seq("b"), 1u);
  EXPECT_EQ(store->last_seq("c"), 0u);
}

TEST_F(EventStoreTest, BatchKeepsInputOrderAcrossOrgs) {
  auto store = open();
  store->append({event("b", "{}")});
  const auto stored =
      store->append({event("a", R"({"n":1})", "u1", 11), event("b", R"({"n":2})"),
                     event("a", R"({"n":3})"), event("c", R"({"n":4})"), event("a", R"({"n":5})")});
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(seqs_of(stored), (std::vector<std::uint64_t>{1, 2, 2, 1, 3}));
  EXPECT_EQ(bodies_of(stored), (std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})",
                                                         R"({"n":4})", R"({"n":5})"}));
  EXPECT_EQ(stored[0].org_id, "a");
  EXPECT_EQ(stored[0].user_id, "u1");
  EXPECT_EQ(stored[0].type, "transcript");
  EXPECT_EQ(stored[0].ts_ms, 11);
  EXPECT_EQ(stored[0].id(), "1");
  EXPECT_EQ(stored[3].org_id, "c");
}

TEST_F(EventStoreTest, EmptyBatchStoresNothing) {
  auto store = open();
  EXPECT_TRUE(store->append({}).empty());
  EXPECT_EQ(count_rows(path_, "SELECT count(*) FROM orgs"), 0);
}

TEST_F(EventStoreTest, BodiesComeBackByteForByte) {
  auto store = open();
  const std::string unicode = R"({"text":"caf\u00e9 \"quoted\" — ünïcödé 🎧"})";
  const std::string large = R"({"text":")" + std::string(64 * 1024, 'x') + R"("})";
  const std::string with_nul("{\"a\":\"\0\"}", 9);
  store->append({event("a", unicode), event("a", large), event("a", with_nul)});
  EXPECT_EQ(bodies_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::string>{unicode, large, with_nul}));
}

// ---------------------------------------------------------------- recovery with since

TEST_F(EventStoreTest, SinceReturnsLaterEventsInOrder) {
  auto store = open();
  for (int i = 1; i <= 5; ++i) store->append({event("a", std::to_string(i)), event("b", "x")});
  const auto recovery = store->since("a", 2, "", no_limit);
  EXPECT_TRUE(recovery.complete);
  EXPECT_EQ(seqs_of(recovery.events), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(bodies_of(recovery.events), (std::vector<std::string>{"3", "4", "5"}));
  for (const auto& e : recovery.events) EXPECT_EQ(e.org_id, "a");
}

TEST_F(EventStoreTest, SinceShowsAUserOrgWideEventsAndTheirOwn) {
  auto store = open();
  store->append({event("a", "all-1"), event("a", "u1-1", "u1"), event("a", "u2-1", "u2"),
                 event("a", "all-2"), event("a", "u1-2", "u1")});
  EXPECT_EQ(bodies_of(store->since("a", 0, "u1", no_limit).events),
            (std::vector<std::string>{"all-1", "u1-1", "all-2", "u1-2"}));
  EXPECT_EQ(bodies_of(store->since("a", 0, "u2", no_limit).events),
            (std::vector<std::string>{"all-1", "u2-1", "all-2"}));
  EXPECT_EQ(bodies_of(store->since("a", 0, "u3", no_limit).events),
            (std::vector<std::string>{"all-1", "all-2"}));
  EXPECT_EQ(store->since("a", 0, "", no_limit).events.size(), 5u);
}

TEST_F(EventStoreTest, SinceStopsAtTheLimit) {
  auto store = open();
  for (int i = 0; i < 10; ++i) store->append({event("a", "{}")});
  EXPECT_EQ(seqs_of(store->since("a", 3, "", 4).events), (std::vector<std::uint64_t>{4, 5, 6, 7}));
  EXPECT_TRUE(store->since("a", 3, "", 0).events.empty());
}

TEST_F(EventStoreTest, SinceAtOrBeyondTheLastIdIsEmptyAndComplete) {
  auto store = open();
  store->append({event("a", "{}"), event("a", "{}")});
  for (std::uint64_t since : {std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{1000},
                              std::numeric_limits<std::uint64_t>::max()}) {
    const auto recovery = store->since("a", since, "", no_limit);
    EXPECT_TRUE(recovery.events.empty()) << since;
    EXPECT_TRUE(recovery.complete) << since;
  }
}

TEST_F(EventStoreTest, SinceOfAnUnknownOrgIsEmptyAndComplete) {
  auto store = open();
  const auto recovery = store->since("nobody", 0, "", no_limit);
  EXPECT_TRUE(recovery.events.empty());
  EXPECT_TRUE(recovery.complete);
}

TEST_F(EventStoreTest, SinceZeroIsEverythingWhileNothingWasPruned) {
  auto store = open();
  for (int i = 0; i < 3; ++i) store->append({event("a", "{}")});
  const auto recovery = store->since("a", 0, "", no_limit);
  EXPECT_EQ(seqs_of(recovery.events), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(recovery.complete);
}

// ---------------------------------------------------------------- retention

TEST_F(EventStoreTest, PruneByCountKeepsTheNewestAndReportsTheGap) {
  auto store = open();
  for (int i = 0; i < 10; ++i) store->append({event("a", "{}")});
  store->append({event("b", "{}")});
  EXPECT_EQ(store->prune(4, long_ago), 6u);
  EXPECT_EQ(store->prune(4, long_ago), 0u);

  const auto all = store->since("a", 0, "", no_limit);
  EXPECT_EQ(seqs_of(all.events), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_FALSE(all.complete);
  // Complete exactly when nothing after `since` was dropped: seq 6 is the last one dropped.
  EXPECT_FALSE(store->since("a", 5, "", no_limit).complete);
  EXPECT_TRUE(store->since("a", 6, "", no_limit).complete);
  EXPECT_EQ(store->since("a", 6, "", no_limit).events.size(), 4u);
  EXPECT_TRUE(store->since("a", 10, "", no_limit).complete);
  EXPECT_TRUE(store->since("b", 0, "", no_limit).complete);
  EXPECT_EQ(store->last_seq("a"), 10u);
}

TEST_F(EventStoreTest, PruneByAgeDropsOldEvents) {
  auto store = open();
  for (int i = 0; i < 10; ++i) store->append({event("a", "{}", "", 100 + i)});
  store->append({event("b", "{}", "", 500)});
  EXPECT_EQ(store->prune(1000, 105), 5u);  // ts 100..104 are seq 1..5
  EXPECT_EQ(seqs_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::uint64_t>{6, 7, 8, 9, 10}));
  EXPECT_FALSE(store->since("a", 4, "", no_limit).complete);
  EXPECT_TRUE(store->since("a", 5, "", no_limit).complete);
  EXPECT_EQ(store->since("b", 0, "", no_limit).events.size(), 1u);
  EXPECT_TRUE(store->since("b", 0, "", no_limit).complete);
}

TEST_F(EventStoreTest, PruneByAgeStopsAtTheFirstYoungEvent) {
  auto store = open();
  // Timestamps come from publishers and need not follow ids; the kept history has no gaps, so an
  // old event behind a younger one stays until that one ages out too.
  store->append({event("a", "{}", "", 100), event("a", "{}", "", 300), event("a", "{}", "", 150),
                 event("a", "{}", "", 400)});
  EXPECT_EQ(store->prune(1000, 200), 1u);
  EXPECT_EQ(seqs_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_EQ(store->prune(1000, 350), 2u);
  EXPECT_EQ(seqs_of(store->since("a", 0, "", no_limit).events), (std::vector<std::uint64_t>{4}));
  EXPECT_FALSE(store->since("a", 2, "", no_limit).complete);
  EXPECT_TRUE(store->since("a", 3, "", no_limit).complete);
  EXPECT_EQ(store->prune(1000, 1000), 1u);
  EXPECT_TRUE(store->since("a", 0, "", no_limit).events.empty());
  EXPECT_EQ(store->last_seq("a"), 4u);
}

TEST_F(EventStoreTest, PruneTakesTheStricterOfCountAndAge) {
  auto store = open();
  for (int i = 0; i < 10; ++i) store->append({event("a", "{}", "", 100 + i)});
  EXPECT_EQ(store->prune(8, 103), 3u);  // age drops 3, count only 2
  EXPECT_EQ(store->prune(5, 103), 2u);  // now count drops 2 more
  EXPECT_EQ(seqs_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::uint64_t>{6, 7, 8, 9, 10}));
}

TEST_F(EventStoreTest, IdsAreNeverReusedAfterPruning) {
  auto store = open();
  for (int i = 0; i < 5; ++i) store->append({event("a", "{}")});
  EXPECT_EQ(store->prune(0, long_ago), 5u);
  EXPECT_TRUE(store->since("a", 0, "", no_limit).events.empty());
  EXPECT_FALSE(store->since("a", 0, "", no_limit).complete);
  EXPECT_EQ(store->last_seq("a"), 5u);
  EXPECT_EQ(seqs_of(store->append({event("a", "{}")})), (std::vector<std::uint64_t>{6}));
  store.reset();
  store = open();
  EXPECT_EQ(seqs_of(store->append({event("a", "{}")})), (std::vector<std::uint64_t>{7}));
}

// ---------------------------------------------------------------- the file

TEST_F(EventStoreTest, ReopenedFileContinuesTheSequence) {
  open()->append({event("a", "first"), event("b", "first")});
  auto store = open();
  EXPECT_EQ(store->last_seq("a"), 1u);
  EXPECT_EQ(seqs_of(store->append({event("a", "second")})), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(bodies_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::string>{"first", "second"}));
}

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
