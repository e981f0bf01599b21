#pragma once
// The durable event history behind /ws/live-calls recovery: SQLite now, PostgreSQL later, one
// interface. Per-org ids are the decimal sequence numbers; clients treat them as opaque strings.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

struct NewEvent {
  std::string org_id;
  std::string user_id;  // empty: org-wide
  std::string type;
  std::string body;  // the event's JSON object without id/orgId; the store never parses it
  std::int64_t ts_ms = 0;
};

struct StoredEvent {
  std::string org_id;
  std::string user_id;  // empty: org-wide
  std::uint64_t seq = 0;
  std::string type;
  std::string body;
  std::int64_t ts_ms = 0;

  std::string id() const;  // the event id clients see and send back as `since`
};

// The inverse of StoredEvent::id(): nullopt unless `text` is a decimal number without sign.
std::optional<std::uint64_t> parse_event_id(std::string_view text);

struct Recovery {
  std::vector<StoredEvent> events;
  bool complete = true;  // false when events after `since` were dropped by retention
};

// A database failure after open (disk full, I/O error, file removed); the text names the file.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One EventStore is used from one thread at a time (the gateway runs a single store thread).
// Every method throws StoreError when the database fails.
class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends in one transaction; per-org ids strictly increase and are never reused, even after
  // pruning. Durable when it returns. The events come back with seq set, in input order.
  virtual std::vector<StoredEvent> append(std::vector<NewEvent> events) = 0;

  // Events of `org` with seq > since, in order, at most `limit`. With a `user_id`, events scoped
  // to other users are left out (a user sees org-wide events and their own).
  virtual Recovery since(std::string_view org, std::uint64_t since, std::string_view user_id,
                         std::size_t limit) = 0;

  virtual std::uint64_t last_seq(std::string_view org) = 0;  // 0 when the org has none

  // Retention: drops each org's oldest events beyond `max_events_per_org`, and its oldest events
  // up to the first with ts_ms >= `older_than_ms`, so what is kept is always the newest ids,
  // without gaps. Returns the number of events dropped.
  virtual std::size_t prune(std::size_t max_events_per_org, std::int64_t older_than_ms) = 0;

  // Runs `work` in one write transaction: commits when it returns, rolls back and rethrows when
  // it throws. append() and the CallStore sharing this store's database join it, so a webhook's
  // call record, its de-duplication key and its events are stored together or not at all.
  virtual void write_transaction(const std::function<void()>& work) = 0;

  virtual bool healthy() = 0;  // for /ready
};

}  // namespace voxgate
