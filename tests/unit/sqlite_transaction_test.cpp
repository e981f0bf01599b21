// SqliteTransaction: standalone it begins and commits; inside an open transaction it joins it,
// and work that failed inside keeps the outer one from committing.
#include <gtest/gtest.h>

#include <stdexcept>

#include "store/event_store.hpp"
#include "store/sqlite.hpp"

namespace voxgate {
namespace {

class SqliteTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    db_ = SqliteDb::open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error);
    ASSERT_TRUE(db_) << error;
    db_->exec("CREATE TABLE t (v INTEGER)");
  }

  void insert(int value) { db_->exec("INSERT INTO t VALUES (" + std::to_string(value) + ")"); }
  std::string rows() { return db_->first_text("SELECT group_concat(v) FROM t"); }
  bool in_transaction() { return !sqlite3_get_autocommit(db_->handle()); }

  std::unique_ptr<SqliteDb> db_;
};

using Kind = SqliteTransaction::Kind;

TEST_F(SqliteTransactionTest, StandaloneItCommitsOrRollsBack) {
  {
    SqliteTransaction transaction(*db_, Kind::write);
    EXPECT_TRUE(in_transaction());
    insert(1);
    transaction.commit();
  }
  EXPECT_FALSE(in_transaction());
  {
    SqliteTransaction transaction(*db_, Kind::write);
    insert(2);
  }
  EXPECT_FALSE(in_transaction());
  EXPECT_EQ(rows(), "1");
}

TEST_F(SqliteTransactionTest, AnInnerOneJoinsAndTheOuterOneDecides) {
  {
    SqliteTransaction outer(*db_, Kind::write);
    {
      SqliteTransaction inner(*db_, Kind::write);
      insert(1);
      inner.commit();
    }
    EXPECT_TRUE(in_transaction());  // the inner commit did not end the outer transaction
    {
      SqliteTransaction inner(*db_, Kind::read);  // an early return: no commit, no failure
    }
    EXPECT_TRUE(in_transaction());
    // The outer one is dropped without commit: the inner one's row goes too.
  }
  EXPECT_EQ(rows(), "");
  {
    SqliteTransaction outer(*db_, Kind::write);
    {
      SqliteTransaction inner(*db_, Kind::write);
      insert(2);
      inner.commit();
    }
    outer.commit();
  }
  EXPECT_EQ(rows(), "2");
}

TEST_F(SqliteTransactionTest, WorkThatFailedInsideIsNeverCommitted) {
  {
    SqliteTransaction outer(*db_, Kind::write);
    insert(1);
    try {
      SqliteTransaction inner(*db_, Kind::write);
      insert(2);
      throw std::runtime_error("half-way");
    } catch (const std::runtime_error&) {
      // Swallowed by the caller; the outer commit must still refuse.
    }
    EXPECT_THROW(outer.commit(), StoreError);
  }
  EXPECT_FALSE(in_transaction());
  EXPECT_EQ(rows(), "");
  // The next transaction starts clean.
  SqliteTransaction next(*db_, Kind::write);
  insert(3);
  next.commit();
  EXPECT_EQ(rows(), "3");
}

}  // namespace
}  // namespace voxgate
