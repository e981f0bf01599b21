#pragma once
// Calls, transcripts, webhook delivery keys and assistant orgs in PostgreSQL, with the same
// merging rules as the SQLite store; writes join the event store's open transaction.

#include <memory>

#include "store/call_store.hpp"
#include "store/pg_session.hpp"

namespace voxgate {

class PgCallStore final : public CallStore {
 public:
  explicit PgCallStore(std::shared_ptr<PgSession> session) : session_(std::move(session)) {}

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
  std::shared_ptr<PgSession> session_;  // shared with the event store
};

}  // namespace voxgate
