#include "store/pg_pool.hpp"

#include "store/event_store.hpp"

namespace voxgate {

PgPool::PgPool(std::string url, std::size_t size, std::chrono::milliseconds wait)
    : url_(std::move(url)),
      server_(redact_database_url(url_)),
      size_(size == 0 ? 1 : size),
      wait_(wait) {}

PgPool::Lease::~Lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

PgPool::Lease PgPool::acquire() {
  std::unique_lock lock(mu_);
  if (!freed_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < size_; }))
    throw StoreError("PostgreSQL at " + server_ + ": all " + std::to_string(size_) +
                     " connections stayed busy for " + std::to_string(wait_.count()) + " ms");
  if (!idle_.empty()) {
    // The most recently used one: the least likely to have been dropped while idle.
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  std::string error;
  auto conn = PgConnection::connect(url_, error);
  if (!conn) {
    lock.lock();
    --open_;
    freed_.notify_one();
    throw StoreError(error);
  }
  return Lease(*this, std::move(conn));
}

void PgPool::give_back(std::unique_ptr<PgConnection> conn) {
  // A connection left inside a transaction would leak it into the next caller's work.
  const bool reusable = !conn->broken() && !conn->in_transaction();
  if (!reusable) conn.reset();
  std::lock_guard lock(mu_);
  if (reusable)
    idle_.push_back(std::move(conn));
  else
    --open_;
  freed_.notify_one();
}

std::size_t PgPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace voxgate
