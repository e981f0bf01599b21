// PostgreSQL beyond the shared store contract: several nodes on one database, a server restart,
// and errors that name the server without its password.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "pg_server.hpp"
#include "store/pg_migrations.hpp"
#include "store/pg_stores.hpp"

namespace voxgate {
namespace {

NewEvent event(std::string org, std::string body) {
  return {std::move(org), "", "transcript", std::move(body), 1000};
}

Stores open_node(const std::string& url, std::size_t pool_size = 4) {
  DatabaseConfig config;
  config.url = url;
  config.pool_size = pool_size;
  std::string error;
  auto stores = open_pg_stores(config, error);
  if (!stores) throw std::runtime_error(error);
  return std::move(*stores);
}

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::pg_fresh_schema_url(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::string url_;
};

// Two nodes append to the same orgs at once, each batch touching both orgs (in either order):
// every id is handed out once, ids have no gaps, and nobody deadlocks.
TEST_F(PgStoreTest, NodesAppendingToOneOrgGetEveryIdOnce) {
  constexpr int batches = 150;
  std::vector<std::thread> nodes;
  std::vector<std::vector<std::uint64_t>> seqs(2);
  std::vector<std::string> failures(2);
  for (int n = 0; n < 2; ++n)
    nodes.emplace_back([&, n] {
      try {
        Stores node = open_node(url_);
        for (int b = 0; b < batches; ++b) {
          const std::string tag = std::to_string(n) + ":" + std::to_string(b);
          auto stored = node.events->append(n == 0 ? std::vector{event("a", tag), event("b", tag)}
                                                   : std::vector{event("b", tag), event("a", tag)});
          for (const auto& e : stored)
            if (e.org_id == "a") seqs[n].push_back(e.seq);
        }
      } catch (const std::exception& e) {
        failures[n] = e.what();
      }
    });
  for (auto& t : nodes) t.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");
  std::set<std::uint64_t> all(seqs[0].begin(), seqs[0].end());
  all.insert(seqs[1].begin(), seqs[1].end());
  ASSERT_EQ(all.size(), 2u * batches);
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), 2u * batches);
  // Each node saw its own ids increase.
  for (const auto& own : seqs) EXPECT_TRUE(std::is_sorted(own.begin(), own.end()));
  Stores reader = open_node(url_);
  const auto history = reader.events->since("a", 0, "", 10'000);
  ASSERT_EQ(history.events.size(), 2u * batches);
  for (std::size_t i = 0; i < history.events.size(); ++i) EXPECT_EQ(history.events[i].seq, i + 1);
}

TEST_F(PgStoreTest, NodesStartingTogetherMigrateOnce) {
  std::vector<std::thread> nodes;
  std::vector<std::string> failures(4);
  for (int n = 0; n < 4; ++n)
    nodes.emplace_back([&, n] {
      try {
        open_node(url_).events->append({event("a", "x")});
      } catch (const std::exception& e) {
        failures[n] = e.what();
      }
    });
  for (auto& t : nodes) t.join();
  for (const auto& failure : failures) EXPECT_EQ(failure, "");
  EXPECT_EQ(testing::pg_count(url_, "SELECT count(*) FROM schema_migrations"),
            static_cast<long long>(pg_migrations().size()));
  EXPECT_EQ(testing::pg_count(url_, "SELECT last_seq FROM orgs WHERE org_id = 'a'"), 4);
}

TEST_F(PgStoreTest, RefusesASchemaFromANewerVoxgate) {
  open_node(url_);
  testing::pg_exec(url_,
                   "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (999, "
                   "'future', 0)");
  DatabaseConfig config;
  config.url = url_;
  std::string error;
  EXPECT_FALSE(open_pg_stores(config, error));
  EXPECT_NE(error.find("schema version 999"), std::string::npos) << error;
  EXPECT_NE(error.find("database.url"), std::string::npos) << error;
}

TEST_F(PgStoreTest, AnUnreachableDatabaseIsNamedWithoutItsPassword) {
  DatabaseConfig config;
  const std::string& base = testing::pg_server_url();  // postgres://voxgate@127.0.0.1:PORT/voxgate
  config.url = "postgres://voxgate:s3cret-pw@" + base.substr(base.find('@') + 1) + "_absent";
  std::string error;
  EXPECT_FALSE(open_pg_stores(config, error));
  EXPECT_NE(error.find("voxgate_absent"), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret-pw"), std::string::npos) << error;
  EXPECT_NE(error.find("***"), std::string::npos) << error;
}

TEST_F(PgStoreTest, TextWithANulCharacterIsRefusedNotCut) {
  Stores node = open_node(url_);
  EXPECT_THROW(node.events->append({event("a", std::string("{\"a\":\"\0\"}", 9))}), StoreError);
  EXPECT_EQ(node.events->last_seq("a"), 0u);
}

TEST_F(PgStoreTest, OneConnectionServesEveryStoreCallInTurn) {
  Stores node = open_node(url_, 1);
  node.events->write_transaction([&] {
    node.calls->claim_delivery("k", 1);
    node.events->append({event("a", "x")});
  });
  EXPECT_EQ(node.events->since("a", 0, "", 10).events.size(), 1u);
  EXPECT_FALSE(node.calls->claim_delivery("k", 2));
}

// Runs last among these tests in file order; the server comes back on the same address.
TEST_F(PgStoreTest, AfterARestartTheSameStoreReconnects) {
  Stores node = open_node(url_);
  node.events->append({event("a", "before")});
  ASSERT_TRUE(node.events->healthy());
  if (!testing::pg_server_stop())
    GTEST_FAIL() << "VOXGATE_TEST_PG_URL names a server this test "
                    "cannot restart; unset it";
  EXPECT_FALSE(node.events->healthy());
  EXPECT_THROW(node.events->append({event("a", "during")}), StoreError);
  ASSERT_TRUE(testing::pg_server_start());
  EXPECT_TRUE(node.events->healthy());
  EXPECT_EQ(node.events->append({event("a", "after")}).front().seq, 2u);
  const auto history = node.events->since("a", 0, "", 10);
  ASSERT_EQ(history.events.size(), 2u);
  EXPECT_EQ(history.events[0].body, "before");
  EXPECT_EQ(history.events[1].body, "after");
}

// A connection the server dropped while idle is replaced on the next read, without an error.
TEST_F(PgStoreTest, AReadAfterTheServerDroppedTheConnectionSucceeds) {
  Stores node = open_node(url_, 1);
  node.events->append({event("a", "x")});
  testing::pg_exec(testing::pg_server_url(),
                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                   "application_name = 'voxgate' AND pid <> pg_backend_pid()");
  EXPECT_EQ(node.events->last_seq("a"), 1u);
  EXPECT_TRUE(node.events->healthy());
}

}  // namespace
}  // namespace voxgate
