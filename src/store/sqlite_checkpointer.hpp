#pragma once
// Moves the WAL into the database file from its own connection and thread. SQLite would
// otherwise checkpoint inside a commit every 1,000 pages, and that checkpoint's fsync stalls
// the writer, and every event waiting behind it, for milliseconds.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite.hpp"

namespace voxgate {

class SqliteCheckpointer {
 public:
  // Takes a connection of its own to the file; checkpoints every `period_ms` (PASSIVE, so
  // the writer is never blocked) until destroyed.
  SqliteCheckpointer(std::unique_ptr<SqliteDb> db, int period_ms);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

 private:
  void run();

  std::unique_ptr<SqliteDb> db_;
  int period_ms_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace voxgate
