#pragma once
// A bounded set of PostgreSQL connections, opened when first needed and replaced when the server
// drops them (a restart, a failover): callers never hold a dead connection for long.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pg.hpp"

namespace voxgate {

class PgPool {
 public:
  PgPool(std::string url, std::size_t size, std::chrono::milliseconds wait);

  // A connection on loan; back to the pool when destroyed, closed instead when it broke.
  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // Waits up to `wait` for a free connection, connecting a new one when below `size`; throws
  // StoreError when none frees up or the server cannot be reached.
  Lease acquire();

  const std::string& server() const { return server_; }
  std::size_t open_connections() const;

 private:
  void give_back(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const std::string server_;  // redacted, for messages
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // the most recently used last
  std::size_t open_ = 0;                             // idle and on loan
};

}  // namespace voxgate
