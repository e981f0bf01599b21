#include "store/pg_call_store.hpp"

#include <limits>
#include <stdexcept>

#include "store/call_cursor.hpp"
#include "store/event_store.hpp"

namespace voxgate {
namespace {

// Column order shared by every query that reads a call; read_call() follows it.
#define VOXGATE_CALL_COLUMNS                                                             \
  "c.call_id, c.org_id, c.assistant_id, c.customer_number, c.call_type, c.tracking_id, " \
  "c.user_id, c.status, c.started_ms, c.ended_ms, c.duration_seconds, c.ended_reason, "  \
  "c.recording_url, c.summary, c.created_ms, c.updated_ms, c.sort_ms"
constexpr int sort_ms_column = 16;
constexpr int line_columns = 17;  // get_call's transcript columns follow the call's

const PgStatement claim_delivery_sql = {
    "voxgate_claim_delivery",
    "INSERT INTO webhook_deliveries (key, seen_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"};
const PgStatement prune_deliveries_sql = {"voxgate_prune_deliveries",
                                          "DELETE FROM webhook_deliveries WHERE seen_ms < $1"};
const PgStatement org_of_call_sql = {"voxgate_org_of_call",
                                     "SELECT org_id FROM calls WHERE call_id = $1"};
const PgStatement org_of_assistant_sql = {
    "voxgate_org_of_assistant", "SELECT org_id FROM assistant_orgs WHERE assistant_id = $1"};
const PgStatement set_assistant_org_sql = {
    "voxgate_set_assistant_org",
    "INSERT INTO assistant_orgs (assistant_id, org_id) VALUES ($1, $2) "
    "ON CONFLICT (assistant_id) DO UPDATE SET org_id = excluded.org_id"};
// Empty text and NULL mean "not in this webhook": they keep what is stored. The org never
// changes, so a call cannot move to another org's history.
const PgStatement upsert_call_sql = {
    "voxgate_upsert_call",
    "INSERT INTO calls AS c (call_id, org_id, assistant_id, customer_number, call_type, "
    "tracking_id, user_id, status, started_ms, ended_ms, duration_seconds, ended_reason, "
    "recording_url, summary, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT (call_id) DO UPDATE SET "
    "assistant_id = coalesce(nullif(excluded.assistant_id, ''), c.assistant_id), "
    "customer_number = coalesce(nullif(excluded.customer_number, ''), c.customer_number), "
    "call_type = coalesce(nullif(excluded.call_type, ''), c.call_type), "
    "tracking_id = coalesce(nullif(excluded.tracking_id, ''), c.tracking_id), "
    "user_id = coalesce(nullif(excluded.user_id, ''), c.user_id), "
    "status = CASE WHEN excluded.status = '' OR (c.status IN ('ended', 'failed') AND "
    "excluded.status NOT IN ('ended', 'failed')) THEN c.status ELSE excluded.status END, "
    "started_ms = coalesce(excluded.started_ms, c.started_ms), "
    "ended_ms = coalesce(excluded.ended_ms, c.ended_ms), "
    "duration_seconds = coalesce(excluded.duration_seconds, c.duration_seconds), "
    "ended_reason = coalesce(nullif(excluded.ended_reason, ''), c.ended_reason), "
    "recording_url = coalesce(nullif(excluded.recording_url, ''), c.recording_url), "
    "summary = coalesce(nullif(excluded.summary, ''), c.summary), "
    "created_ms = least(c.created_ms, excluded.created_ms), "
    "updated_ms = greatest(c.updated_ms, excluded.updated_ms)"};
const PgStatement clear_transcript_sql = {"voxgate_clear_transcript",
                                          "DELETE FROM call_transcripts WHERE call_id = $1"};
// All of an update's lines in one round trip, numbered after the call's last position.
const PgStatement insert_lines_sql = {
    "voxgate_insert_lines",
    "INSERT INTO call_transcripts (call_id, position, speaker, text, ts_ms, seconds_from_start) "
    "SELECT $1, (SELECT coalesce(max(position), 0) FROM call_transcripts WHERE call_id = $1) + "
    "l.n, l.speaker, l.text, l.ts_ms, l.seconds FROM unnest($2::text[], $3::text[], "
    "$4::bigint[], $5::float8[]) WITH ORDINALITY AS l(speaker, text, ts_ms, seconds, n)"};
// One statement, one snapshot: the transcript belongs to the call as read.
const PgStatement select_call_sql = {
    "voxgate_select_call",
    "SELECT " VOXGATE_CALL_COLUMNS
    ", t.speaker, t.text, t.ts_ms, t.seconds_from_start FROM calls "
    "c LEFT JOIN call_transcripts t ON t.call_id = c.call_id WHERE c.call_id = $1 AND c.org_id = "
    "$2 ORDER BY t.position"};
// One index range (calls_by_org) in its own order: a page costs its rows, however deep.
const PgStatement list_calls_sql = {
    "voxgate_list_calls",
    "SELECT " VOXGATE_CALL_COLUMNS
    " FROM calls c WHERE c.org_id = $1 AND c.sort_ms >= $2 AND "
    "(c.sort_ms, c.call_id) < ($3, $4) AND ($5::text IS NULL OR c.status = $5::text) ORDER BY "
    "c.sort_ms DESC, c.call_id DESC LIMIT $6"};
#undef VOXGATE_CALL_COLUMNS
const PgStatement save_session_sql = {
    "voxgate_save_session",
    "INSERT INTO web_voice_sessions (tracking_id, org_id, user_id, assistant_id, call_id, "
    "websocket_url, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"};
const PgStatement find_session_sql = {
    "voxgate_find_session",
    "SELECT tracking_id, org_id, user_id, assistant_id, call_id, websocket_url, created_ms, "
    "ended_ms, node FROM web_voice_sessions WHERE tracking_id = $1"};
// One statement: of two nodes claiming at once, exactly one changes the row.
const PgStatement claim_session_sql = {
    "voxgate_claim_session",
    "UPDATE web_voice_sessions SET node = $2 WHERE tracking_id = $1 AND ended_ms IS NULL AND "
    "end_requested_ms IS NULL AND node IN ('', $2)"};
const PgStatement request_end_sql = {
    "voxgate_request_end",
    "UPDATE web_voice_sessions SET end_requested_ms = coalesce(end_requested_ms, $2) WHERE "
    "tracking_id = $1 AND ended_ms IS NULL"};
const PgStatement to_end_sql = {"voxgate_sessions_to_end",
                                "SELECT tracking_id FROM web_voice_sessions WHERE node IN ('', $1) "
                                "AND end_requested_ms IS NOT NULL "
                                "AND ended_ms IS NULL"};
const PgStatement end_session_sql = {
    "voxgate_end_session",
    "UPDATE web_voice_sessions SET ended_ms = $2 WHERE tracking_id = $1 AND ended_ms IS NULL"};

CallRecord read_call(const PgResult& r, int row) {
  return {.call_id = r.text(row, 0),
          .org_id = r.text(row, 1),
          .assistant_id = r.text(row, 2),
          .customer_number = r.text(row, 3),
          .call_type = r.text(row, 4),
          .tracking_id = r.text(row, 5),
          .user_id = r.text(row, 6),
          .status = r.text(row, 7),
          .started_ms = r.optional_integer(row, 8),
          .ended_ms = r.optional_integer(row, 9),
          .duration_seconds = r.optional_real(row, 10),
          .ended_reason = r.text(row, 11),
          .recording_url = r.text(row, 12),
          .summary = r.text(row, 13),
          .created_ms = r.integer(row, 14),
          .updated_ms = r.integer(row, 15)};
}

void insert_lines(PgConnection& db, std::string_view call_id,
                  const std::vector<TranscriptLine>& lines) {
  std::vector<std::string_view> speakers, texts;
  std::vector<std::optional<std::int64_t>> times;
  std::vector<std::optional<double>> offsets;
  for (const auto& line : lines) {
    speakers.push_back(line.speaker), texts.push_back(line.text);
    times.push_back(line.ts_ms), offsets.push_back(line.seconds_from_start);
  }
  db.run(insert_lines_sql, PgParams()
                               .text(call_id)
                               .text(pg_array(speakers))
                               .text(pg_array(texts))
                               .text(pg_array(times))
                               .text(pg_array(offsets)));
}

std::optional<std::string> first_text(const PgResult& r) {
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

}  // namespace

bool PgCallStore::claim_delivery(std::string_view key, std::int64_t now_ms) {
  return session_->write([&](PgConnection& db) {
    return db.run(claim_delivery_sql, PgParams().text(key).integer(now_ms)).affected() == 1;
  });
}

std::size_t PgCallStore::prune_deliveries(std::int64_t older_than_ms) {
  return session_->write([&](PgConnection& db) {
    return static_cast<std::size_t>(
        db.run(prune_deliveries_sql, PgParams().integer(older_than_ms)).affected());
  });
}

std::optional<std::string> PgCallStore::org_of_call(std::string_view call_id) {
  return session_->read([&](PgConnection& db) {
    return first_text(db.run(org_of_call_sql, PgParams().text(call_id)));
  });
}

std::optional<std::string> PgCallStore::org_of_assistant(std::string_view assistant_id) {
  return session_->read([&](PgConnection& db) {
    return first_text(db.run(org_of_assistant_sql, PgParams().text(assistant_id)));
  });
}

void PgCallStore::set_assistant_org(std::string_view assistant_id, std::string_view org_id) {
  session_->write([&](PgConnection& db) {
    db.run(set_assistant_org_sql, PgParams().text(assistant_id).text(org_id));
  });
}

void PgCallStore::apply(const CallUpdate& update) {
  if (update.call_id.empty() || update.org_id.empty())
    throw std::invalid_argument("a call update needs a call id and an org id");
  session_->transaction([&] {
    session_->write([&](PgConnection& db) {
      db.run(upsert_call_sql, PgParams()
                                  .text(update.call_id)
                                  .text(update.org_id)
                                  .text(update.assistant_id)
                                  .text(update.customer_number)
                                  .text(update.call_type)
                                  .text(update.tracking_id)
                                  .text(update.user_id)
                                  .text(update.status)
                                  .optional(update.started_ms)
                                  .optional(update.ended_ms)
                                  .optional(update.duration_seconds)
                                  .text(update.ended_reason)
                                  .text(update.recording_url)
                                  .text(update.summary)
                                  .integer(update.event_ms));
      if (update.replace_transcript) {
        db.run(clear_transcript_sql, PgParams().text(update.call_id));
        if (!update.replace_transcript->empty())
          insert_lines(db, update.call_id, *update.replace_transcript);
      }
      if (!update.append_lines.empty()) insert_lines(db, update.call_id, update.append_lines);
    });
  });
}

CallPage PgCallStore::list_calls(const CallQuery& query) {
  const auto bounds = call_page_bounds(query);
  if (!bounds) return {};
  // Not a structured binding: clang before 16 cannot capture one in the lambda.
  const CallCursor& below = bounds->below;
  const std::int64_t limit = bounds->limit;
  return session_->read([&](PgConnection& db) {
    const PgResult rows =
        db.run(list_calls_sql,
               PgParams()
                   .text(query.org_id)
                   .integer(query.from_ms.value_or(std::numeric_limits<std::int64_t>::min()))
                   .integer(below.sort_ms)
                   .text(below.call_id)
                   .optional(query.status)
                   .integer(limit + 1));  // one past the page: does another page follow?
    CallPage page;
    for (int row = 0; row < rows.rows(); ++row) {
      if (static_cast<std::int64_t>(page.calls.size()) == limit) {
        page.next_cursor =
            encode_call_cursor({rows.integer(row - 1, sort_ms_column), page.calls.back().call_id});
        break;
      }
      page.calls.push_back(read_call(rows, row));
    }
    return page;
  });
}

std::optional<CallDetail> PgCallStore::get_call(std::string_view org_id, std::string_view call_id) {
  return session_->read([&](PgConnection& db) -> std::optional<CallDetail> {
    const PgResult rows = db.run(select_call_sql, PgParams().text(call_id).text(org_id));
    if (rows.rows() == 0) return std::nullopt;
    CallDetail detail{read_call(rows, 0), {}};
    for (int row = 0; row < rows.rows(); ++row) {
      if (rows.null(row, line_columns)) continue;  // a call without transcript lines
      detail.transcript.push_back({rows.text(row, line_columns), rows.text(row, line_columns + 1),
                                   rows.optional_integer(row, line_columns + 2),
                                   rows.optional_real(row, line_columns + 3)});
    }
    return detail;
  });
}

void PgCallStore::save_test_session(const TestSessionRecord& session) {
  session_->write([&](PgConnection& db) {
    db.run(save_session_sql, PgParams()
                                 .text(session.tracking_id)
                                 .text(session.org_id)
                                 .text(session.user_id)
                                 .text(session.assistant_id)
                                 .text(session.call_id)
                                 .text(session.websocket_url)
                                 .integer(session.created_ms));
  });
}

std::optional<TestSessionRecord> PgCallStore::find_test_session(std::string_view tracking_id) {
  return session_->read([&](PgConnection& db) -> std::optional<TestSessionRecord> {
    const PgResult r = db.run(find_session_sql, PgParams().text(tracking_id));
    if (r.rows() == 0) return std::nullopt;
    return TestSessionRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2),    r.text(0, 3),
                             r.text(0, 4), r.text(0, 5), r.integer(0, 6), r.optional_integer(0, 7),
                             r.text(0, 8)};
  });
}

bool PgCallStore::claim_test_session(std::string_view tracking_id, std::string_view node) {
  return session_->write([&](PgConnection& db) {
    return db.run(claim_session_sql, PgParams().text(tracking_id).text(node)).affected() == 1;
  });
}

void PgCallStore::end_test_session(std::string_view tracking_id, std::int64_t ended_ms) {
  session_->write([&](PgConnection& db) {
    db.run(end_session_sql, PgParams().text(tracking_id).integer(ended_ms));
  });
}

bool PgCallStore::request_test_session_end(std::string_view tracking_id, std::int64_t now_ms) {
  return session_->write([&](PgConnection& db) {
    return db.run(request_end_sql, PgParams().text(tracking_id).integer(now_ms)).affected() == 1;
  });
}

std::vector<std::string> PgCallStore::test_sessions_to_end(std::string_view node) {
  return session_->read([&](PgConnection& db) {
    const PgResult rows = db.run(to_end_sql, PgParams().text(node));
    std::vector<std::string> ids;
    for (int row = 0; row < rows.rows(); ++row) ids.push_back(rows.text(row, 0));
    return ids;
  });
}

}  // namespace voxgate
