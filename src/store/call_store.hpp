#pragma once
// Calls as the voice provider's webhooks describe them, their final transcripts, and the keys
// that recognise a repeated webhook delivery: SQLite now, PostgreSQL later, one interface.
// GET /api/calls and GET /api/calls/<vapiCallId> read it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

struct TranscriptLine {
  std::string speaker;  // "agent" or "customer"
  std::string text;
  std::optional<std::int64_t> ts_ms;         // when the line was spoken, ms since the epoch
  std::optional<double> seconds_from_start;  // offset into the call
};

// What one webhook knows about a call. Empty strings and unset optionals leave the stored value
// alone, so messages that each carry part of the picture add up to the whole call.
struct CallUpdate {
  std::string call_id;  // the provider's call id; required
  std::string org_id;   // required; a call keeps the org it was first stored with
  std::string assistant_id;
  std::string customer_number;
  std::string call_type;
  std::string tracking_id;
  std::string user_id;
  // connecting|ringing|in_progress|ended|failed. The later update wins, except that a live
  // status never replaces ended or failed (a retried status-update can arrive after the report).
  std::string status;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> ended_ms;
  std::optional<double> duration_seconds;
  std::string ended_reason;
  std::string recording_url;
  std::string summary;
  // Applied in this order: the end-of-call-report's complete transcript replaces what was
  // streamed, then final lines streamed by transcript webhooks are appended.
  std::optional<std::vector<TranscriptLine>> replace_transcript;
  std::vector<TranscriptLine> append_lines;
  std::int64_t event_ms = 0;  // when this happened: the call's created (earliest) and updated times
};

struct CallRecord {
  std::string call_id;
  std::string org_id;
  std::string assistant_id;  // empty strings: not reported yet
  std::string customer_number;
  std::string call_type;
  std::string tracking_id;
  std::string user_id;
  std::string status;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> ended_ms;
  std::optional<double> duration_seconds;
  std::string ended_reason;
  std::string recording_url;
  std::string summary;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

struct CallDetail {
  CallRecord call;
  std::vector<TranscriptLine> transcript;  // in spoken order
};

// One page of an org's calls, newest first by started time (created time before a call starts).
struct CallQuery {
  std::string org_id;
  std::optional<std::string> status;
  std::optional<std::int64_t> from_ms;  // inclusive
  std::optional<std::int64_t> to_ms;    // exclusive
  std::size_t limit = 50;               // at most this many calls; the API clamps it
  std::string cursor;                   // a previous page's next_cursor; empty: the first page
};

struct CallPage {
  std::vector<CallRecord> calls;
  std::string next_cursor;  // empty at the end
};

// A browser test call as every gateway node needs it to attach the browser (protocol sections 5
// and 8): who owns it and the provider call's audio socket.
struct TestSessionRecord {
  std::string tracking_id;
  std::string org_id;
  std::string user_id;
  std::string assistant_id;
  std::string call_id;        // the provider's
  std::string websocket_url;  // the provider call's audio socket: a secret, never shown
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> ended_ms;
  std::string node;  // the node whose browser relays the call; empty until one attaches
};

// A cursor this server did not hand out (edited, truncated, from another API): answer 400.
class BadCursor : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Same thread rule as EventStore (one thread at a time; the SQLite one shares its connection).
// Every method throws StoreError when the database fails. Writes made inside
// EventStore::write_transaction join that transaction; otherwise each is its own.
class CallStore {
 public:
  virtual ~CallStore() = default;

  // Records a webhook delivery's key; false when it was seen before (a repeated delivery).
  virtual bool claim_delivery(std::string_view key, std::int64_t now_ms) = 0;
  // Forgets keys seen before `older_than_ms`; returns how many.
  virtual std::size_t prune_deliveries(std::int64_t older_than_ms) = 0;

  virtual std::optional<std::string> org_of_call(std::string_view call_id) = 0;
  virtual std::optional<std::string> org_of_assistant(std::string_view assistant_id) = 0;
  virtual void set_assistant_org(std::string_view assistant_id, std::string_view org_id) = 0;

  // Creates or merges the call (see CallUpdate); std::invalid_argument without call or org id.
  virtual void apply(const CallUpdate& update) = 0;

  // Throws BadCursor for a cursor it did not issue.
  virtual CallPage list_calls(const CallQuery& query) = 0;
  // nullopt also when the call belongs to another org: the API answers 404 for both.
  virtual std::optional<CallDetail> get_call(std::string_view org_id, std::string_view call_id) = 0;

  // Browser test calls: stored when started, claimed by the node that attaches the browser,
  // ended once. claim is false when another node holds the call or it has ended.
  virtual void save_test_session(const TestSessionRecord& session) = 0;
  virtual std::optional<TestSessionRecord> find_test_session(std::string_view tracking_id) = 0;
  virtual bool claim_test_session(std::string_view tracking_id, std::string_view node) = 0;
  virtual void end_test_session(std::string_view tracking_id, std::int64_t ended_ms) = 0;
  // POST …/end reached a node that does not relay the call: the relaying node ends it at its
  // next look (once a second). False when the session is not live.
  virtual bool request_test_session_end(std::string_view tracking_id, std::int64_t now_ms) = 0;
  // Live sessions `node` relays whose end another node requested.
  virtual std::vector<std::string> test_sessions_to_end(std::string_view node) = 0;
};

}  // namespace voxgate
