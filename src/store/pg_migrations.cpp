#include "store/pg_migrations.hpp"

#include <array>

#include "ops/clock.hpp"
#include "store/event_store.hpp"

namespace voxgate {
namespace {

// Ids are compared byte-wise (COLLATE "C"), as SQLite does, so a cursor orders calls the same
// whatever the database's locale. Each org's counter lives in `orgs`: its row lock also makes
// nodes commit an org's events in id order (see PgEventStore::append).
constexpr Migration event_history = {1, "event history", R"sql(
CREATE TABLE orgs (
  org_id TEXT COLLATE "C" PRIMARY KEY,
  last_seq BIGINT NOT NULL DEFAULT 0,
  pruned_through BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE events (
  org_id TEXT COLLATE "C" NOT NULL REFERENCES orgs (org_id),
  seq BIGINT NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  type TEXT NOT NULL,
  ts_ms BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (org_id, seq)
);
)sql"};

constexpr Migration calls = {2, "calls, transcripts, webhook deliveries, assistant orgs", R"sql(
CREATE TABLE calls (
  call_id TEXT COLLATE "C" PRIMARY KEY,
  org_id TEXT COLLATE "C" NOT NULL,
  assistant_id TEXT NOT NULL DEFAULT '',
  customer_number TEXT NOT NULL DEFAULT '',
  call_type TEXT NOT NULL DEFAULT '',
  tracking_id TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  started_ms BIGINT,
  ended_ms BIGINT,
  duration_seconds DOUBLE PRECISION,
  ended_reason TEXT NOT NULL DEFAULT '',
  recording_url TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  sort_ms BIGINT GENERATED ALWAYS AS (coalesce(started_ms, created_ms)) STORED
);
CREATE INDEX calls_by_org ON calls (org_id, sort_ms, call_id);
CREATE TABLE call_transcripts (
  call_id TEXT COLLATE "C" NOT NULL REFERENCES calls (call_id),
  position BIGINT NOT NULL,
  speaker TEXT NOT NULL,
  text TEXT NOT NULL,
  ts_ms BIGINT,
  seconds_from_start DOUBLE PRECISION,
  PRIMARY KEY (call_id, position)
);
CREATE TABLE webhook_deliveries (
  key TEXT COLLATE "C" PRIMARY KEY,
  seen_ms BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (seen_ms);
CREATE TABLE assistant_orgs (
  assistant_id TEXT COLLATE "C" PRIMARY KEY,
  org_id TEXT NOT NULL
);
)sql"};

constexpr Migration test_sessions = {3, "browser test call sessions", R"sql(
CREATE TABLE web_voice_sessions (
  tracking_id TEXT COLLATE "C" PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  assistant_id TEXT NOT NULL DEFAULT '',
  call_id TEXT NOT NULL,
  websocket_url TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  ended_ms BIGINT,
  end_requested_ms BIGINT,
  node TEXT NOT NULL DEFAULT ''
);
)sql"};

constexpr std::array all{event_history, calls, test_sessions};

// Any fixed number: nodes starting together take turns migrating.
constexpr const char* migration_lock = "7400419100";

const PgStatement applied_version = {"voxgate_applied_version",
                                     "SELECT coalesce(max(version), 0) FROM schema_migrations"};
const PgStatement record_version = {
    "voxgate_record_version",
    "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)"};

}  // namespace

std::span<const Migration> pg_migrations() {
  return all;
}

void pg_migrate(PgConnection& db, std::span<const Migration> migrations) {
  db.exec("SELECT pg_advisory_lock(" + std::string(migration_lock) + ")");
  try {
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at_ms BIGINT NOT NULL)");
    const std::int64_t known = migrations.empty() ? 0 : migrations.back().version;
    const std::int64_t current = db.run(applied_version).integer(0, 0);
    if (current > known)
      throw StoreError("PostgreSQL at " + db.server() + " has schema version " +
                       std::to_string(current) + " but this voxgate knows only up to " +
                       std::to_string(known) +
                       "; run a newer voxgate or point database.url elsewhere");
    for (const auto& migration : migrations) {
      if (migration.version <= current) continue;
      db.exec("BEGIN");
      try {
        db.exec(migration.sql);
        db.run(
            record_version,
            PgParams().integer(migration.version).text(migration.name).integer(unix_millis_now()));
        db.exec("COMMIT");
      } catch (...) {
        if (!db.broken()) db.exec("ROLLBACK");
        throw;
      }
    }
  } catch (...) {
    if (!db.broken()) db.exec("SELECT pg_advisory_unlock(" + std::string(migration_lock) + ")");
    throw;
  }
  db.exec("SELECT pg_advisory_unlock(" + std::string(migration_lock) + ")");
}

}  // namespace voxgate
