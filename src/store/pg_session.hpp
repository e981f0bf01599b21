#pragma once
// What the PostgreSQL event and call stores share: the pool and the write transaction that is
// open, so a webhook's call record, its de-duplication key and its events commit together.
// Used from one thread at a time, like every store (see EventStore).

#include <functional>
#include <memory>
#include <optional>

#include "store/event_store.hpp"
#include "store/pg_pool.hpp"

namespace voxgate {

class PgSession {
 public:
  explicit PgSession(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  // Runs `work` in the open transaction, else on a connection of its own. Reads are retried
  // once on a fresh connection when the server had dropped the first (a restart since its last
  // use): nothing was written, so nothing can happen twice.
  template <typename Work>
  auto read(Work&& work) {
    if (open_) return work(**open_);
    {
      auto lease = pool_->acquire();
      try {
        return work(*lease);
      } catch (const StoreError&) {
        if (!lease->broken()) throw;
      }
    }  // the dead one leaves the pool before its replacement is asked for
    auto fresh = pool_->acquire();
    return work(*fresh);
  }

  // Writes are never retried: a connection lost during COMMIT leaves its outcome unknown.
  template <typename Work>
  auto write(Work&& work) {
    if (open_) return work(**open_);
    auto lease = pool_->acquire();
    return work(*lease);
  }

  // BEGIN … COMMIT around `work`; ROLLBACK and rethrow when it throws. Inside an open
  // transaction it joins that one, and a failure in it dooms the outer commit too.
  void transaction(const std::function<void()>& work);

  PgPool& pool() { return *pool_; }

 private:
  std::shared_ptr<PgPool> pool_;
  std::optional<PgPool::Lease> open_;
  bool joined_work_failed_ = false;
};

}  // namespace voxgate
