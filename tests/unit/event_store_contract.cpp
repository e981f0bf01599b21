// The event history every backend keeps alike: per-org ids, recovery with since, retention, and
// a reopened store continuing where the last one stopped.
#include <gtest/gtest.h>

#include <limits>

#include "store_contract.hpp"

namespace voxgate {
namespace {

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

}  // namespace

TEST_P(EventStoreContract, IdsIncreasePerOrgIndependently) {
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

TEST_P(EventStoreContract, BatchKeepsInputOrderAcrossOrgs) {
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

TEST_P(EventStoreContract, EmptyBatchStoresNothing) {
  auto store = open();
  EXPECT_TRUE(store->append({}).empty());
  EXPECT_EQ(count("SELECT count(*) FROM orgs"), 0);
}

TEST_P(EventStoreContract, BodiesComeBackByteForByte) {
  auto store = open();
  const std::string unicode = R"({"text":"caf\u00e9 \"quoted\" — ünïcödé 🎧"})";
  const std::string large = R"({"text":")" + std::string(64 * 1024, 'x') + R"("})";
  const std::string escaped_nul = R"({"a":"\u0000"})";  // how JSON writes a NUL character
  store->append({event("a", unicode), event("a", large), event("a", escaped_nul)});
  EXPECT_EQ(bodies_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::string>{unicode, large, escaped_nul}));
}

TEST_P(EventStoreContract, SinceReturnsLaterEventsInOrder) {
  auto store = open();
  for (int i = 1; i <= 5; ++i) store->append({event("a", std::to_string(i)), event("b", "x")});
  const auto recovery = store->since("a", 2, "", no_limit);
  EXPECT_TRUE(recovery.complete);
  EXPECT_EQ(seqs_of(recovery.events), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(bodies_of(recovery.events), (std::vector<std::string>{"3", "4", "5"}));
  for (const auto& e : recovery.events) EXPECT_EQ(e.org_id, "a");
}

TEST_P(EventStoreContract, SinceShowsAUserOrgWideEventsAndTheirOwn) {
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

TEST_P(EventStoreContract, SinceStopsAtTheLimit) {
  auto store = open();
  for (int i = 0; i < 10; ++i) store->append({event("a", "{}")});
  EXPECT_EQ(seqs_of(store->since("a", 3, "", 4).events), (std::vector<std::uint64_t>{4, 5, 6, 7}));
  EXPECT_TRUE(store->since("a", 3, "", 0).events.empty());
}

TEST_P(EventStoreContract, SinceAtOrBeyondTheLastIdIsEmptyAndComplete) {
  auto store = open();
  store->append({event("a", "{}"), event("a", "{}")});
  for (std::uint64_t since : {std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{1000},
                              std::numeric_limits<std::uint64_t>::max()}) {
    const auto recovery = store->since("a", since, "", no_limit);
    EXPECT_TRUE(recovery.events.empty()) << since;
    EXPECT_TRUE(recovery.complete) << since;
  }
}

TEST_P(EventStoreContract, SinceOfAnUnknownOrgIsEmptyAndComplete) {
  auto store = open();
  const auto recovery = store->since("nobody", 0, "", no_limit);
  EXPECT_TRUE(recovery.events.empty());
  EXPECT_TRUE(recovery.complete);
}

TEST_P(EventStoreContract, SinceZeroIsEverythingWhileNothingWasPruned) {
  auto store = open();
  for (int i = 0; i < 3; ++i) store->append({event("a", "{}")});
  const auto recovery = store->since("a", 0, "", no_limit);
  EXPECT_EQ(seqs_of(recovery.events), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(recovery.complete);
}

TEST_P(EventStoreContract, PruneByCountKeepsTheNewestAndReportsTheGap) {
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

TEST_P(EventStoreContract, PruneByAgeDropsOldEvents) {
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

TEST_P(EventStoreContract, PruneByAgeStopsAtTheFirstYoungEvent) {
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

TEST_P(EventStoreContract, PruneTakesTheStricterOfCountAndAge) {
  auto store = open();
  for (int i = 0; i < 10; ++i) store->append({event("a", "{}", "", 100 + i)});
  EXPECT_EQ(store->prune(8, 103), 3u);  // age drops 3, count only 2
  EXPECT_EQ(store->prune(5, 103), 2u);  // now count drops 2 more
  EXPECT_EQ(seqs_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::uint64_t>{6, 7, 8, 9, 10}));
}

TEST_P(EventStoreContract, IdsAreNeverReusedAfterPruning) {
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

TEST_P(EventStoreContract, ReopenedFileContinuesTheSequence) {
  open()->append({event("a", "first"), event("b", "first")});
  auto store = open();
  EXPECT_EQ(store->last_seq("a"), 1u);
  EXPECT_EQ(seqs_of(store->append({event("a", "second")})), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(bodies_of(store->since("a", 0, "", no_limit).events),
            (std::vector<std::string>{"first", "second"}));
}

}  // namespace voxgate
