#include "store/sqlite_call_store.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "store/call_cursor.hpp"

namespace voxgate {
namespace {

// Column order shared by every query that reads a call; read_call() follows it.
constexpr std::string_view call_columns =
    "call_id, org_id, assistant_id, customer_number, call_type, tracking_id, user_id, status, "
    "started_ms, ended_ms, duration_seconds, ended_reason, recording_url, summary, created_ms, "
    "updated_ms, sort_ms";

std::string select_calls(std::string_view rest) {
  return "SELECT " + std::string(call_columns) + " FROM calls " + std::string(rest);
}

constexpr int sort_ms_column = 16;

CallRecord read_call(const SqliteQuery& row) {
  return {.call_id = row.text(0),
          .org_id = row.text(1),
          .assistant_id = row.text(2),
          .customer_number = row.text(3),
          .call_type = row.text(4),
          .tracking_id = row.text(5),
          .user_id = row.text(6),
          .status = row.text(7),
          .started_ms = row.optional_integer(8),
          .ended_ms = row.optional_integer(9),
          .duration_seconds = row.optional_real(10),
          .ended_reason = row.text(11),
          .recording_url = row.text(12),
          .summary = row.text(13),
          .created_ms = row.integer(14),
          .updated_ms = row.integer(15)};
}

}  // namespace

SqliteCallStore::SqliteCallStore(std::shared_ptr<SqliteDb> db,
                                 std::shared_ptr<SqliteCheckpointer> checkpointer)
    : db_(std::move(db)),
      claim_delivery_(*db_,
                      "INSERT INTO webhook_deliveries (key, seen_ms) VALUES (?1, ?2) "
                      "ON CONFLICT (key) DO NOTHING"),
      prune_deliveries_(*db_, "DELETE FROM webhook_deliveries WHERE seen_ms < ?1"),
      org_of_call_(*db_, "SELECT org_id FROM calls WHERE call_id = ?1"),
      org_of_assistant_(*db_, "SELECT org_id FROM assistant_orgs WHERE assistant_id = ?1"),
      set_assistant_org_(*db_,
                         "INSERT INTO assistant_orgs (assistant_id, org_id) VALUES (?1, ?2) "
                         "ON CONFLICT (assistant_id) DO UPDATE SET org_id = excluded.org_id"),
      // Empty text and NULL mean "not in this webhook": they keep what is stored. The org never
      // changes, so a call cannot move to another org's history.
      upsert_call_(
          *db_,
          "INSERT INTO calls (call_id, org_id, assistant_id, customer_number, call_type, "
          "tracking_id, user_id, status, started_ms, ended_ms, duration_seconds, ended_reason, "
          "recording_url, summary, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
          "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) ON CONFLICT (call_id) DO UPDATE SET "
          "assistant_id = coalesce(nullif(excluded.assistant_id, ''), assistant_id), "
          "customer_number = coalesce(nullif(excluded.customer_number, ''), customer_number), "
          "call_type = coalesce(nullif(excluded.call_type, ''), call_type), "
          "tracking_id = coalesce(nullif(excluded.tracking_id, ''), tracking_id), "
          "user_id = coalesce(nullif(excluded.user_id, ''), user_id), "
          "status = CASE WHEN excluded.status = '' OR (status IN ('ended', 'failed') AND "
          "excluded.status NOT IN ('ended', 'failed')) THEN status ELSE excluded.status END, "
          "started_ms = coalesce(excluded.started_ms, started_ms), "
          "ended_ms = coalesce(excluded.ended_ms, ended_ms), "
          "duration_seconds = coalesce(excluded.duration_seconds, duration_seconds), "
          "ended_reason = coalesce(nullif(excluded.ended_reason, ''), ended_reason), "
          "recording_url = coalesce(nullif(excluded.recording_url, ''), recording_url), "
          "summary = coalesce(nullif(excluded.summary, ''), summary), "
          "created_ms = min(created_ms, excluded.created_ms), "
          "updated_ms = max(updated_ms, excluded.updated_ms)"),
      last_position_(*db_,
                     "SELECT coalesce(max(position), 0) FROM call_transcripts WHERE call_id = ?1"),
      clear_transcript_(*db_, "DELETE FROM call_transcripts WHERE call_id = ?1"),
      insert_line_(*db_,
                   "INSERT INTO call_transcripts (call_id, position, speaker, text, ts_ms, "
                   "seconds_from_start) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      select_call_(*db_, select_calls("WHERE call_id = ?1 AND org_id = ?2")),
      select_transcript_(*db_,
                         "SELECT speaker, text, ts_ms, seconds_from_start FROM call_transcripts "
                         "WHERE call_id = ?1 ORDER BY position"),
      // One index range (calls_by_org) in its own order: a page costs its rows, however deep.
      list_calls_(*db_, select_calls("WHERE org_id = ?1 AND sort_ms >= ?2 AND "
                                     "(sort_ms, call_id) < (?3, ?4) AND (?5 IS NULL OR "
                                     "status = ?5) ORDER BY sort_ms DESC, call_id DESC LIMIT ?6")),
      save_session_(*db_,
                    "INSERT INTO web_voice_sessions (tracking_id, org_id, user_id, assistant_id, "
                    "call_id, websocket_url, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      find_session_(*db_,
                    "SELECT tracking_id, org_id, user_id, assistant_id, call_id, websocket_url, "
                    "created_ms, ended_ms, node FROM web_voice_sessions WHERE tracking_id = ?1"),
      claim_session_(*db_,
                     "UPDATE web_voice_sessions SET node = ?2 WHERE tracking_id = ?1 AND ended_ms "
                     "IS NULL AND end_requested_ms IS NULL AND node IN ('', ?2)"),
      end_session_(*db_,
                   "UPDATE web_voice_sessions SET ended_ms = ?2 WHERE tracking_id = ?1 AND "
                   "ended_ms IS NULL"),
      request_end_(
          *db_,
          "UPDATE web_voice_sessions SET end_requested_ms = coalesce(end_requested_ms, ?2) "
          "WHERE tracking_id = ?1 AND ended_ms IS NULL"),
      to_end_(*db_,
              "SELECT tracking_id FROM web_voice_sessions WHERE node IN ('', ?1) AND "
              "end_requested_ms IS "
              "NOT NULL AND ended_ms IS NULL"),
      checkpointer_(std::move(checkpointer)) {}

bool SqliteCallStore::claim_delivery(std::string_view key, std::int64_t now_ms) {
  SqliteQuery(claim_delivery_).bind(1, key).bind(2, now_ms).run();
  return db_->changes() == 1;
}

std::size_t SqliteCallStore::prune_deliveries(std::int64_t older_than_ms) {
  SqliteQuery(prune_deliveries_).bind(1, older_than_ms).run();
  return static_cast<std::size_t>(db_->changes());
}

std::optional<std::string> SqliteCallStore::org_of_call(std::string_view call_id) {
  SqliteQuery query(org_of_call_);
  query.bind(1, call_id);
  if (!query.next()) return std::nullopt;
  return query.text(0);
}

std::optional<std::string> SqliteCallStore::org_of_assistant(std::string_view assistant_id) {
  SqliteQuery query(org_of_assistant_);
  query.bind(1, assistant_id);
  if (!query.next()) return std::nullopt;
  return query.text(0);
}

void SqliteCallStore::set_assistant_org(std::string_view assistant_id, std::string_view org_id) {
  SqliteQuery(set_assistant_org_).bind(1, assistant_id).bind(2, org_id).run();
}

void SqliteCallStore::apply(const CallUpdate& update) {
  if (update.call_id.empty() || update.org_id.empty())
    throw std::invalid_argument("a call update needs a call id and an org id");
  SqliteTransaction transaction(*db_, SqliteTransaction::Kind::write);
  SqliteQuery(upsert_call_)
      .bind(1, update.call_id)
      .bind(2, update.org_id)
      .bind(3, update.assistant_id)
      .bind(4, update.customer_number)
      .bind(5, update.call_type)
      .bind(6, update.tracking_id)
      .bind(7, update.user_id)
      .bind(8, update.status)
      .bind(9, update.started_ms)
      .bind(10, update.ended_ms)
      .bind(11, update.duration_seconds)
      .bind(12, update.ended_reason)
      .bind(13, update.recording_url)
      .bind(14, update.summary)
      .bind(15, update.event_ms)
      .run();
  if (update.replace_transcript) {
    SqliteQuery(clear_transcript_).bind(1, update.call_id).run();
    insert_lines(update.call_id, 0, *update.replace_transcript);
  }
  if (!update.append_lines.empty()) {
    SqliteQuery last(last_position_);
    last.bind(1, update.call_id);
    const std::int64_t after = last.next() ? last.integer(0) : 0;
    insert_lines(update.call_id, after, update.append_lines);
  }
  transaction.commit();
}

void SqliteCallStore::insert_lines(std::string_view call_id, std::int64_t after,
                                   const std::vector<TranscriptLine>& lines) {
  for (const auto& line : lines)
    SqliteQuery(insert_line_)
        .bind(1, call_id)
        .bind(2, ++after)
        .bind(3, line.speaker)
        .bind(4, line.text)
        .bind(5, line.ts_ms)
        .bind(6, line.seconds_from_start)
        .run();
}

CallPage SqliteCallStore::list_calls(const CallQuery& query) {
  const auto bounds = call_page_bounds(query);
  if (!bounds) return {};
  const auto& [below, limit] = *bounds;
  CallPage page;
  SqliteQuery rows(list_calls_);
  rows.bind(1, query.org_id)
      .bind(2, query.from_ms.value_or(std::numeric_limits<std::int64_t>::min()))
      .bind(3, below.sort_ms)
      .bind(4, below.call_id)
      .bind(5, query.status)
      .bind(6, limit + 1);  // one row past the page says whether another page follows
  std::int64_t last_sort_ms = 0;
  while (rows.next()) {
    if (static_cast<std::int64_t>(page.calls.size()) == limit) {
      page.next_cursor = encode_call_cursor({last_sort_ms, page.calls.back().call_id});
      break;
    }
    page.calls.push_back(read_call(rows));
    last_sort_ms = rows.integer(sort_ms_column);
  }
  return page;
}

std::optional<CallDetail> SqliteCallStore::get_call(std::string_view org_id,
                                                    std::string_view call_id) {
  // One snapshot, so the transcript belongs to the call as read.
  SqliteTransaction transaction(*db_, SqliteTransaction::Kind::read);
  SqliteQuery call(select_call_);
  call.bind(1, call_id).bind(2, org_id);
  if (!call.next()) return std::nullopt;
  CallDetail detail{read_call(call), {}};
  SqliteQuery lines(select_transcript_);
  lines.bind(1, call_id);
  while (lines.next())
    detail.transcript.push_back(
        {lines.text(0), lines.text(1), lines.optional_integer(2), lines.optional_real(3)});
  transaction.commit();
  return detail;
}

void SqliteCallStore::save_test_session(const TestSessionRecord& session) {
  SqliteQuery(save_session_)
      .bind(1, session.tracking_id)
      .bind(2, session.org_id)
      .bind(3, session.user_id)
      .bind(4, session.assistant_id)
      .bind(5, session.call_id)
      .bind(6, session.websocket_url)
      .bind(7, session.created_ms)
      .run();
}

std::optional<TestSessionRecord> SqliteCallStore::find_test_session(std::string_view tracking_id) {
  SqliteQuery row(find_session_);
  row.bind(1, tracking_id);
  if (!row.next()) return std::nullopt;
  return TestSessionRecord{row.text(0), row.text(1), row.text(2),    row.text(3),
                           row.text(4), row.text(5), row.integer(6), row.optional_integer(7),
                           row.text(8)};
}

bool SqliteCallStore::claim_test_session(std::string_view tracking_id, std::string_view node) {
  SqliteQuery(claim_session_).bind(1, tracking_id).bind(2, node).run();
  return db_->changes() == 1;
}

void SqliteCallStore::end_test_session(std::string_view tracking_id, std::int64_t ended_ms) {
  SqliteQuery(end_session_).bind(1, tracking_id).bind(2, ended_ms).run();
}

bool SqliteCallStore::request_test_session_end(std::string_view tracking_id, std::int64_t now_ms) {
  SqliteQuery(request_end_).bind(1, tracking_id).bind(2, now_ms).run();
  return db_->changes() == 1;
}

std::vector<std::string> SqliteCallStore::test_sessions_to_end(std::string_view node) {
  std::vector<std::string> ids;
  SqliteQuery rows(to_end_);
  rows.bind(1, node);
  while (rows.next()) ids.push_back(rows.text(0));
  return ids;
}

}  // namespace voxgate
