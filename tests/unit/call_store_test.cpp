// What only the SQLite call store has: its file's upgrade path and its settings. The behaviour
// every backend shares is in call_store_contract.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <type_traits>

#include "auth/base64url.hpp"
#include "sqlite_test_file.hpp"
#include "store/call_cursor.hpp"
#include "store/sqlite_event_store.hpp"
#include "store/sqlite_migrations.hpp"
#include "store/sqlite_schema.hpp"
#include "store/sqlite_stores.hpp"
#include "store_contract.hpp"

namespace voxgate {
namespace {

constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

class CallStoreTest : public SqliteFileTest {
 protected:
  void SetUp() override {
    SqliteFileTest::SetUp();
    reopen();
  }
  void reopen() {
    stores_.reset();
    std::string error;
    stores_ = open_sqlite_stores(path_, error);
    ASSERT_TRUE(stores_) << error;
  }
  CallStore& calls() { return *stores_->calls; }
  EventStore& events() { return *stores_->events; }

  std::optional<SqliteStores> stores_;
};

// ---------------------------------------------------------------- the list

TEST(CallStoreCursor, DecodeIsTheInverseOfEncode) {
  for (const CallCursor& cursor : {CallCursor{0, "a"}, CallCursor{-5, "x:y"},
                                   CallCursor{std::numeric_limits<std::int64_t>::max(),
                                              "9f1c2d3e-4b5a-6789-abcd-ef0123456789"}}) {
    const auto text = encode_call_cursor(cursor);
    const auto back = decode_call_cursor(text);
    EXPECT_EQ(back.sort_ms, cursor.sort_ms) << text;
    EXPECT_EQ(back.call_id, cursor.call_id) << text;
  }
}

// ---------------------------------------------------------------- the file

TEST_F(CallStoreTest, AnEventHistoryFileUpgradesAndKeepsItsEvents) {
  stores_.reset();
  path_ = (dir_ / "before-calls.db").string();
  {
    // The file as the voxgate before the call store left it: migration 1 only.
    std::string error;
    std::shared_ptr<SqliteDb> db =
        SqliteDb::open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error);
    ASSERT_TRUE(db) << error;
    migrate(*db, sqlite_migrations().first(1));
    SqliteEventStore old(db);
    old.append({status_event("org-a"), status_event("org-a"), status_event("org-b")});
  }
  ASSERT_EQ(count_rows(path_, "SELECT max(version) FROM schema_migrations"), 1);
  ASSERT_EQ(count_rows(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'calls'"), 0);

  reopen();
  EXPECT_EQ(count_rows(path_, "SELECT max(version) FROM schema_migrations"),
            sqlite_migrations().back().version);
  EXPECT_EQ(events().since("org-a", 0, "", no_limit).events.size(), 2u);
  EXPECT_EQ(events().last_seq("org-b"), 1u);
  EXPECT_EQ(events().append({status_event("org-a")}).front().seq, 3u);
  calls().apply(update("call-1", "org-a"));
  EXPECT_TRUE(calls().get_call("org-a", "call-1"));
}

TEST_F(CallStoreTest, OpensFromTheStoreConfig) {
  stores_.reset();
  StoreConfig config;
  config.path = path_;
  config.synchronous = "full";
  std::string error;
  auto stores = open_sqlite_stores(config, error);
  ASSERT_TRUE(stores) << error;
  stores->calls->apply(update("call-1", "org-a"));
  EXPECT_TRUE(stores->events->healthy());
}

TEST_F(CallStoreTest, AMissingDirectoryIsNamedWithTheFix) {
  std::string error;
  EXPECT_FALSE(open_sqlite_stores((dir_ / "absent" / "voxgate.db").string(), error));
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
  EXPECT_NE(error.find("VOXGATE_DB"), std::string::npos) << error;
}

}  // namespace
}  // namespace voxgate
