#include "store/sqlite_migrations.hpp"

#include <array>

namespace voxgate {
namespace {

// Each org's counter lives in `orgs`, not in max(seq) of `events`, so pruning never lets an id
// come back. Retention drops a prefix, so an org's events are exactly (pruned_through, last_seq].
// Events are clustered by (org_id, seq) (WITHOUT ROWID): a recovery reads adjacent rows, about
// five times faster than through a separate index when many orgs publish at once.
constexpr Migration event_history = {1, "event history", R"sql(
CREATE TABLE orgs (
  org_id TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL DEFAULT 0,
  pruned_through INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE events (
  org_id TEXT NOT NULL REFERENCES orgs (org_id),
  seq INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;
)sql"};

// Calls sort by started time, else created time (a ringing call has not started): the generated
// sort_ms lets one index serve an org's list newest first and its cursor, without a scan.
// Transcript lines are clustered by call, in spoken order, for GET /api/calls/<id>.
// Delivery keys are pruned by age, hence their index on seen_ms.
constexpr Migration calls = {2, "calls, transcripts, webhook deliveries, assistant orgs", R"sql(
CREATE TABLE calls (
  call_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  assistant_id TEXT NOT NULL DEFAULT '',
  customer_number TEXT NOT NULL DEFAULT '',
  call_type TEXT NOT NULL DEFAULT '',
  tracking_id TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  started_ms INTEGER,
  ended_ms INTEGER,
  duration_seconds REAL,
  ended_reason TEXT NOT NULL DEFAULT '',
  recording_url TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  sort_ms INTEGER GENERATED ALWAYS AS (coalesce(started_ms, created_ms)) VIRTUAL
);
CREATE INDEX calls_by_org ON calls (org_id, sort_ms, call_id);
CREATE TABLE call_transcripts (
  call_id TEXT NOT NULL REFERENCES calls (call_id),
  position INTEGER NOT NULL,
  speaker TEXT NOT NULL,
  text TEXT NOT NULL,
  ts_ms INTEGER,
  seconds_from_start REAL,
  PRIMARY KEY (call_id, position)
) WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
  key TEXT PRIMARY KEY,
  seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (seen_ms);
CREATE TABLE assistant_orgs (
  assistant_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL
) WITHOUT ROWID;
)sql"};

// Browser test calls, so a browser can attach on any node; `node` is claimed by the attaching one.
constexpr Migration test_sessions = {3, "browser test call sessions", R"sql(
CREATE TABLE web_voice_sessions (
  tracking_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  assistant_id TEXT NOT NULL DEFAULT '',
  call_id TEXT NOT NULL,
  websocket_url TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  end_requested_ms INTEGER,
  node TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
)sql"};

constexpr std::array all{event_history, calls, test_sessions};

}  // namespace

std::span<const Migration> sqlite_migrations() {
  return all;
}

}  // namespace voxgate
