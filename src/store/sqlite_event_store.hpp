#pragma once
// The event history in one SQLite file (WAL mode), with statements prepared once at open.

#include <memory>
#include <string>

#include "config/config.hpp"
#include "store/event_store.hpp"
#include "store/sqlite.hpp"

namespace voxgate {

// When a commit reaches the disk. `normal`: a commit is in the WAL (the OS page cache) when
// append returns, so a crash or kill -9 of voxgate loses nothing, but a power loss or kernel
// crash may lose the last transactions. `full`: fsync on every commit, surviving power loss too.
enum class SqliteSync { normal, full };

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(std::unique_ptr<SqliteDb> db);

  std::vector<StoredEvent> append(std::vector<NewEvent> events) override;
  Recovery since(std::string_view org, std::uint64_t since, std::string_view user_id,
                 std::size_t limit) override;
  std::uint64_t last_seq(std::string_view org) override;
  std::size_t prune(std::size_t max_events_per_org, std::int64_t older_than_ms) override;
  bool healthy() override;

 private:
  std::unique_ptr<SqliteDb> db_;
  SqliteStatement reserve_seqs_;
  SqliteStatement insert_event_;
  SqliteStatement select_events_;
  SqliteStatement select_org_;
  SqliteStatement held_orgs_;
  SqliteStatement first_young_;
  SqliteStatement delete_through_;
  SqliteStatement raise_floor_;
  SqliteStatement probe_;
};

// Opens (creating when absent) and migrates the file; nullptr with `error` set when that fails.
// The connection is opened without SQLite's own mutex: see EventStore on threads.
std::unique_ptr<EventStore> open_sqlite_event_store(const std::string& path, std::string& error,
                                                    SqliteSync sync = SqliteSync::normal);
// The same from [store]: path and synchronous.
std::unique_ptr<EventStore> open_sqlite_event_store(const StoreConfig& config, std::string& error);

}  // namespace voxgate
