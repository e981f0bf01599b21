#include "store/pg_session.hpp"

#include "store/event_store.hpp"

namespace voxgate {

void PgSession::transaction(const std::function<void()>& work) {
  if (open_) {
    try {
      work();
    } catch (...) {
      joined_work_failed_ = true;
      throw;
    }
    return;
  }
  // A transaction's first statement may meet a connection dropped while idle; nothing has been
  // written yet, so BEGIN is retried once on a fresh one.
  open_.emplace(pool_->acquire());
  try {
    (*open_)->exec("BEGIN");
  } catch (const StoreError&) {
    const bool retry = (*open_)->broken();
    open_.reset();
    if (!retry) throw;
    open_.emplace(pool_->acquire());
    (*open_)->exec("BEGIN");
  }
  joined_work_failed_ = false;
  try {
    work();
    if (joined_work_failed_ || (*open_)->transaction_failed())
      throw StoreError("PostgreSQL at " + pool_->server() +
                       ": part of a transaction failed; nothing of it was stored");
    (*open_)->exec("COMMIT");
  } catch (...) {
    try {
      if (!(*open_)->broken()) (*open_)->exec("ROLLBACK");
    } catch (const StoreError&) {
      // The connection is gone: the server rolls back by itself, and the pool drops it.
    }
    open_.reset();
    throw;
  }
  open_.reset();
}

}  // namespace voxgate
