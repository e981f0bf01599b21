#include "store/sqlite_checkpointer.hpp"

#include "ops/log.hpp"

namespace voxgate {

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<SqliteDb> db, int period_ms)
    : db_(std::move(db)), period_ms_(period_ms), thread_([this] { run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SqliteCheckpointer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds(period_ms_), [&] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    try {
      db_->exec("PRAGMA wal_checkpoint(PASSIVE)", "checkpointing the WAL");
    } catch (const std::exception& e) {
      // The writer's own health check reports a broken file; this only says why the WAL grows.
      log::warn("WAL checkpoint failed", {{"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace voxgate
