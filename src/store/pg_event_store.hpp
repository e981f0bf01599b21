#pragma once
// The event history in PostgreSQL, shared by every gateway node: the org's row in `orgs` hands
// out ids, and its lock makes the nodes commit an org's events in id order.

#include <memory>

#include "store/event_store.hpp"
#include "store/pg_session.hpp"

namespace voxgate {

class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(std::shared_ptr<PgSession> session) : session_(std::move(session)) {}

  std::vector<StoredEvent> append(std::vector<NewEvent> events) override;
  Recovery since(std::string_view org, std::uint64_t since, std::string_view user_id,
                 std::size_t limit) override;
  std::uint64_t last_seq(std::string_view org) override;
  std::size_t prune(std::size_t max_events_per_org, std::int64_t older_than_ms) override;
  void write_transaction(const std::function<void()>& work) override;
  bool healthy() override;

 private:
  std::shared_ptr<PgSession> session_;  // shared with the call store
};

}  // namespace voxgate
