#pragma once
// The event history in one SQLite file (WAL mode), with statements prepared once at open. It
// shares its connection with the call store (sqlite_stores.hpp).

#include <memory>
#include <string>

#include "config/config.hpp"
#include "store/event_store.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_checkpointer.hpp"

namespace voxgate {

// When a commit reaches the disk. `normal`: a commit is in the WAL (the OS page cache) when
// append returns, so a crash or kill -9 of voxgate loses nothing, but a power loss or kernel
// crash may lose the last transactions. `full`: fsync on every commit, surviving power loss too.
enum class SqliteSync { normal, full };

class SqliteEventStore final : public EventStore {
 public:
  // Without a checkpointer SQLite checkpoints inside commits (its default).
  explicit SqliteEventStore(std::shared_ptr<SqliteDb> db,
                            std::shared_ptr<SqliteCheckpointer> checkpointer = nullptr);

  std::vector<StoredEvent> append(std::vector<NewEvent> events) override;
  Recovery since(std::string_view org, std::uint64_t since, std::string_view user_id,
                 std::size_t limit) override;
  std::uint64_t last_seq(std::string_view org) override;
  std::size_t prune(std::size_t max_events_per_org, std::int64_t older_than_ms) override;
  void write_transaction(const std::function<void()>& work) override;
  bool healthy() override;

 private:
  std::shared_ptr<SqliteDb> db_;
  SqliteStatement reserve_seqs_;
  SqliteStatement insert_event_;
  SqliteStatement select_events_;
  SqliteStatement select_org_;
  SqliteStatement held_orgs_;
  SqliteStatement first_young_;
  SqliteStatement delete_through_;
  SqliteStatement raise_floor_;
  SqliteStatement probe_;
  std::shared_ptr<SqliteCheckpointer> checkpointer_;  // shared with the call store
};

// The event history alone (tests, benchmarks): open_sqlite_stores without the call store.
// nullptr with `error` set when opening fails.
std::unique_ptr<EventStore> open_sqlite_event_store(const std::string& path, std::string& error,
                                                    SqliteSync sync = SqliteSync::normal);
// The same from [store]: path and synchronous.
std::unique_ptr<EventStore> open_sqlite_event_store(const StoreConfig& config, std::string& error);

}  // namespace voxgate
