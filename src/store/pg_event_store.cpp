#include "store/pg_event_store.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace voxgate {
namespace {

// Orgs arrive sorted, so two nodes whose batches share orgs lock their rows in the same order
// and never deadlock. The row stays locked until COMMIT: a node that wants ids after ours waits
// for our events to be visible, so an org's ids become visible in order.
const PgStatement reserve_seqs = {
    "voxgate_reserve_seqs",
    "INSERT INTO orgs (org_id, last_seq) SELECT * FROM unnest($1::text[], $2::bigint[]) "
    "ON CONFLICT (org_id) DO UPDATE SET last_seq = orgs.last_seq + excluded.last_seq "
    "RETURNING org_id, last_seq"};
const PgStatement insert_events = {
    "voxgate_insert_events",
    "INSERT INTO events (org_id, seq, user_id, type, body, ts_ms) SELECT * FROM "
    "unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[])"};
// One statement, one snapshot: the events and the retention floor cannot disagree.
const PgStatement select_events = {
    "voxgate_select_events",
    "SELECT e.seq, e.user_id, e.type, e.body, e.ts_ms, o.pruned_through FROM orgs o LEFT JOIN "
    "LATERAL (SELECT seq, user_id, type, body, ts_ms FROM events WHERE org_id = o.org_id AND "
    "seq > $2 AND ($3 = '' OR user_id = '' OR user_id = $3) ORDER BY seq LIMIT $4) e ON true "
    "WHERE o.org_id = $1 ORDER BY e.seq"};
const PgStatement select_last_seq = {"voxgate_select_last_seq",
                                     "SELECT last_seq FROM orgs WHERE org_id = $1"};
const PgStatement held_orgs = {
    "voxgate_held_orgs",
    "SELECT org_id, last_seq, pruned_through FROM orgs WHERE last_seq > pruned_through "
    "ORDER BY org_id"};
const PgStatement first_young = {
    "voxgate_first_young",
    "SELECT seq FROM events WHERE org_id = $1 AND seq > $2 AND ts_ms >= $3 ORDER BY seq LIMIT 1"};
const PgStatement delete_through = {"voxgate_delete_through",
                                    "DELETE FROM events WHERE org_id = $1 AND seq <= $2"};
const PgStatement raise_floor = {
    "voxgate_raise_floor",
    "UPDATE orgs SET pruned_through = $2 WHERE org_id = $1 AND pruned_through < $2"};

// Client-supplied numbers beyond PostgreSQL's bigint mean "as large as possible".
std::int64_t clamped(std::uint64_t value) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

std::vector<StoredEvent> PgEventStore::append(std::vector<NewEvent> events) {
  if (events.empty()) return {};
  std::map<std::string_view, std::int64_t> next_seq;  // sorted: the lock order
  for (const auto& event : events) ++next_seq[event.org_id];
  std::vector<std::string_view> orgs;
  std::vector<std::int64_t> counts;
  for (const auto& [org, count] : next_seq) orgs.push_back(org), counts.push_back(count);

  std::vector<std::int64_t> seqs;
  session_->transaction([&] {
    session_->write([&](PgConnection& db) {
      const PgResult reserved =
          db.run(reserve_seqs, PgParams().text(pg_array(orgs)).text(pg_array(counts)));
      for (int row = 0; row < reserved.rows(); ++row) {
        auto& next = next_seq.find(reserved.text(row, 0))->second;
        next = reserved.integer(row, 1) - next + 1;  // the first id of the org's run
      }
      std::vector<std::string_view> event_orgs, users, types, bodies;
      std::vector<std::int64_t> times;
      for (const auto& event : events) {
        seqs.push_back(next_seq[event.org_id]++);
        event_orgs.push_back(event.org_id), users.push_back(event.user_id);
        types.push_back(event.type), bodies.push_back(event.body), times.push_back(event.ts_ms);
      }
      db.run(insert_events, PgParams()
                                .text(pg_array(event_orgs))
                                .text(pg_array(seqs))
                                .text(pg_array(users))
                                .text(pg_array(types))
                                .text(pg_array(bodies))
                                .text(pg_array(times)));
    });
  });
  std::vector<StoredEvent> stored;
  stored.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& event = events[i];
    stored.push_back({std::move(event.org_id), std::move(event.user_id),
                      static_cast<std::uint64_t>(seqs[i]), std::move(event.type),
                      std::move(event.body), event.ts_ms});
  }
  return stored;
}

Recovery PgEventStore::since(std::string_view org, std::uint64_t since, std::string_view user_id,
                             std::size_t limit) {
  return session_->read([&](PgConnection& db) {
    const PgResult rows =
        db.run(select_events,
               PgParams().text(org).integer(clamped(since)).text(user_id).integer(clamped(limit)));
    Recovery recovery;
    for (int row = 0; row < rows.rows(); ++row) {
      if (row == 0) recovery.complete = clamped(since) >= rows.integer(0, 5);
      if (rows.null(row, 0)) continue;  // the org has no such events
      recovery.events.push_back({std::string(org), rows.text(row, 1),
                                 static_cast<std::uint64_t>(rows.integer(row, 0)),
                                 rows.text(row, 2), rows.text(row, 3), rows.integer(row, 4)});
    }
    return recovery;
  });
}

std::uint64_t PgEventStore::last_seq(std::string_view org) {
  return session_->read([&](PgConnection& db) -> std::uint64_t {
    const PgResult row = db.run(select_last_seq, PgParams().text(org));
    return row.rows() ? static_cast<std::uint64_t>(row.integer(0, 0)) : 0;
  });
}

std::size_t PgEventStore::prune(std::size_t max_events_per_org, std::int64_t older_than_ms) {
  struct Held {
    std::string org;
    std::int64_t last_seq, floor;
  };
  std::vector<Held> held;
  session_->read([&](PgConnection& db) {
    const PgResult rows = db.run(held_orgs);
    for (int row = 0; row < rows.rows(); ++row)
      held.push_back({rows.text(row, 0), rows.integer(row, 1), rows.integer(row, 2)});
  });
  std::size_t dropped = 0;
  // One transaction per org: appends to an org wait for its row only while it is pruned.
  for (auto& [org, last, floor] : held) {
    session_->transaction([&, &org = org, last = last, floor = floor]() mutable {
      session_->write([&](PgConnection& db) {
        const auto pruned_through = floor;
        floor = std::max(floor, last - clamped(max_events_per_org));
        // The age rule drops the oldest events up to the first one still young enough.
        const PgResult young =
            db.run(first_young, PgParams().text(org).integer(floor).integer(older_than_ms));
        floor = young.rows() ? std::max(floor, young.integer(0, 0) - 1) : last;
        if (floor == pruned_through) return;
        dropped += static_cast<std::size_t>(
            db.run(delete_through, PgParams().text(org).integer(floor)).affected());
        db.run(raise_floor, PgParams().text(org).integer(floor));
      });
    });
  }
  return dropped;
}

void PgEventStore::write_transaction(const std::function<void()>& work) {
  session_->transaction(work);
}

bool PgEventStore::healthy() {
  try {
    session_->read([](PgConnection& db) { db.query("SELECT 1"); });
    return true;
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace voxgate
