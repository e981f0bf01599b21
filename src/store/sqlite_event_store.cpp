#include "store/sqlite_event_store.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <unordered_map>
#include <utility>

#include "store/sqlite_stores.hpp"

namespace voxgate {
namespace {

// Client-supplied numbers beyond SQLite's signed 64-bit integers mean "as large as possible".
std::int64_t clamped(std::uint64_t value) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

SqliteEventStore::SqliteEventStore(std::shared_ptr<SqliteDb> db,
                                   std::shared_ptr<SqliteCheckpointer> checkpointer)
    : db_(std::move(db)),
      // Reserves a run of ids for one org; the run ends at the org's new last_seq. (RETURNING
      // would save the SELECT but builds a temporary table per call, several times slower.)
      reserve_seqs_(*db_,
                    "INSERT INTO orgs (org_id, last_seq) VALUES (?1, ?2) ON CONFLICT (org_id) DO "
                    "UPDATE SET last_seq = last_seq + excluded.last_seq"),
      insert_event_(*db_,
                    "INSERT INTO events (org_id, seq, user_id, type, body, ts_ms) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      select_events_(*db_,
                     "SELECT seq, user_id, type, body, ts_ms FROM events WHERE org_id = ?1 AND "
                     "seq > ?2 AND (?3 = '' OR user_id = '' OR user_id = ?3) ORDER BY seq "
                     "LIMIT ?4"),
      select_org_(*db_, "SELECT last_seq, pruned_through FROM orgs WHERE org_id = ?1"),
      held_orgs_(
          *db_,
          "SELECT org_id, last_seq, pruned_through FROM orgs WHERE last_seq > pruned_through"),
      first_young_(*db_,
                   "SELECT seq FROM events WHERE org_id = ?1 AND seq > ?2 AND ts_ms >= ?3 ORDER BY "
                   "seq LIMIT 1"),
      delete_through_(*db_, "DELETE FROM events WHERE org_id = ?1 AND seq <= ?2"),
      raise_floor_(*db_,
                   "UPDATE orgs SET pruned_through = ?2 WHERE org_id = ?1 AND pruned_through < ?2"),
      probe_(*db_, "SELECT 1 FROM orgs LIMIT 1"),
      checkpointer_(std::move(checkpointer)) {}

std::vector<StoredEvent> SqliteEventStore::append(std::vector<NewEvent> events) {
  if (events.empty()) return {};
  // Ids first, one reservation per org in the batch; strings are moved out only afterwards.
  std::unordered_map<std::string_view, std::int64_t> next_seq;
  for (const auto& event : events) ++next_seq[event.org_id];
  SqliteTransaction transaction(*db_, SqliteTransaction::Kind::write);
  for (auto& [org, count] : next_seq) {
    SqliteQuery(reserve_seqs_).bind(1, org).bind(2, count).run();
    count = static_cast<std::int64_t>(last_seq(org)) - count + 1;
  }
  std::vector<std::int64_t> seqs;
  seqs.reserve(events.size());
  for (const auto& event : events) seqs.push_back(next_seq[event.org_id]++);

  std::vector<StoredEvent> stored;
  stored.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& event = events[i];
    SqliteQuery(insert_event_)
        .bind(1, event.org_id)
        .bind(2, seqs[i])
        .bind(3, event.user_id)
        .bind(4, event.type)
        .bind(5, event.body)
        .bind(6, event.ts_ms)
        .run();
    stored.push_back({std::move(event.org_id), std::move(event.user_id),
                      static_cast<std::uint64_t>(seqs[i]), std::move(event.type),
                      std::move(event.body), event.ts_ms});
  }
  transaction.commit();
  return stored;
}

Recovery SqliteEventStore::since(std::string_view org, std::uint64_t since,
                                 std::string_view user_id, std::size_t limit) {
  // One snapshot for the events and the floor, so a prune in between cannot go unreported.
  SqliteTransaction transaction(*db_, SqliteTransaction::Kind::read);
  Recovery recovery;
  SqliteQuery rows(select_events_);
  rows.bind(1, org).bind(2, clamped(since)).bind(3, user_id).bind(4, clamped(limit));
  while (rows.next())
    recovery.events.push_back({std::string(org), rows.text(1),
                               static_cast<std::uint64_t>(rows.integer(0)), rows.text(2),
                               rows.text(3), rows.integer(4)});
  SqliteQuery floor(select_org_);
  floor.bind(1, org);
  recovery.complete = !floor.next() || clamped(since) >= floor.integer(1);
  transaction.commit();
  return recovery;
}

std::uint64_t SqliteEventStore::last_seq(std::string_view org) {
  SqliteQuery query(select_org_);
  query.bind(1, org);
  return query.next() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
}

std::size_t SqliteEventStore::prune(std::size_t max_events_per_org, std::int64_t older_than_ms) {
  struct Held {
    std::string org;
    std::int64_t last_seq, floor;
  };
  SqliteTransaction transaction(*db_, SqliteTransaction::Kind::write);
  std::vector<Held> held;
  for (SqliteQuery orgs(held_orgs_); orgs.next();)
    held.push_back({orgs.text(0), orgs.integer(1), orgs.integer(2)});
  std::size_t dropped = 0;
  for (auto& [org, last, floor] : held) {
    const auto pruned_through = floor;
    floor = std::max(floor, last - clamped(max_events_per_org));
    // The age rule drops the oldest events up to the first one still young enough.
    SqliteQuery young(first_young_);
    young.bind(1, org).bind(2, floor).bind(3, older_than_ms);
    floor = young.next() ? std::max(floor, young.integer(0) - 1) : last;
    if (floor == pruned_through) continue;
    SqliteQuery(delete_through_).bind(1, org).bind(2, floor).run();
    dropped += static_cast<std::size_t>(db_->changes());
    SqliteQuery(raise_floor_).bind(1, org).bind(2, floor).run();
  }
  transaction.commit();
  return dropped;
}

void SqliteEventStore::write_transaction(const std::function<void()>& work) {
  SqliteTransaction transaction(*db_, SqliteTransaction::Kind::write);
  work();
  transaction.commit();
}

bool SqliteEventStore::healthy() {
  // A file removed under a running gateway still accepts writes that vanish at close.
  std::error_code ignored;
  if (!std::filesystem::exists(db_->path(), ignored)) return false;
  try {
    SqliteQuery(probe_).run();
    return true;
  } catch (const StoreError&) {
    return false;
  }
}

std::unique_ptr<EventStore> open_sqlite_event_store(const std::string& path, std::string& error,
                                                    SqliteSync sync) {
  auto stores = open_sqlite_stores(path, error, sync);
  return stores ? std::move(stores->events) : nullptr;
}

std::unique_ptr<EventStore> open_sqlite_event_store(const StoreConfig& config, std::string& error) {
  auto stores = open_sqlite_stores(config, error);
  return stores ? std::move(stores->events) : nullptr;
}

}  // namespace voxgate
