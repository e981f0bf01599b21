#pragma once
// Calls, transcripts and webhook delivery keys in the SQLite file of the event history, over
// the same connection, so both stores' writes can share one transaction.

#include <memory>

#include "store/call_store.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_checkpointer.hpp"

namespace voxgate {

class SqliteCallStore final : public CallStore {
 public:
  // `db` is migrated already (open_sqlite_stores does both).
  explicit SqliteCallStore(std::shared_ptr<SqliteDb> db,
                           std::shared_ptr<SqliteCheckpointer> checkpointer = nullptr);

  bool claim_delivery(std::string_view key, std::int64_t now_ms) override;
  std::size_t prune_deliveries(std::int64_t older_than_ms) override;
  std::optional<std::string> org_of_call(std::string_view call_id) override;
  std::optional<std::string> org_of_assistant(std::string_view assistant_id) override;
  void set_assistant_org(std::string_view assistant_id, std::string_view org_id) override;
  void apply(const CallUpdate& update) override;
  CallPage list_calls(const CallQuery& query) override;
  std::optional<CallDetail> get_call(std::string_view org_id, std::string_view call_id) override;
  void save_test_session(const TestSessionRecord& session) override;
  std::optional<TestSessionRecord> find_test_session(std::string_view tracking_id) override;
  bool claim_test_session(std::string_view tracking_id, std::string_view node) override;
  void end_test_session(std::string_view tracking_id, std::int64_t ended_ms) override;
  bool request_test_session_end(std::string_view tracking_id, std::int64_t now_ms) override;
  std::vector<std::string> test_sessions_to_end(std::string_view node) override;

 private:
  void insert_lines(std::string_view call_id, std::int64_t after,
                    const std::vector<TranscriptLine>& lines);

  std::shared_ptr<SqliteDb> db_;
  SqliteStatement claim_delivery_;
  SqliteStatement prune_deliveries_;
  SqliteStatement org_of_call_;
  SqliteStatement org_of_assistant_;
  SqliteStatement set_assistant_org_;
  SqliteStatement upsert_call_;
  SqliteStatement last_position_;
  SqliteStatement clear_transcript_;
  SqliteStatement insert_line_;
  SqliteStatement select_call_;
  SqliteStatement select_transcript_;
  SqliteStatement list_calls_;
  SqliteStatement save_session_;
  SqliteStatement find_session_;
  SqliteStatement claim_session_;
  SqliteStatement end_session_;
  SqliteStatement request_end_;
  SqliteStatement to_end_;
  // Keeps the WAL checkpointed while this store writes, also after the event store is gone.
  std::shared_ptr<SqliteCheckpointer> checkpointer_;
};

}  // namespace voxgate
