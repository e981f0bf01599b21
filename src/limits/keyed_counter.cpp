#include "limits/keyed_counter.hpp"

namespace voxgate {

KeyedCounter::Slot& KeyedCounter::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    release();
    table_ = std::move(o.table_);
    key_ = std::move(o.key_);
  }
  return *this;
}

void KeyedCounter::Slot::release() {
  if (!table_) return;
  table_->give_back(key_);
  table_.reset();
}

void KeyedCounter::Table::give_back(const std::string& key) {
  std::lock_guard lock(mu);
  auto it = held.find(key);
  if (it == held.end()) return;
  // Keys without holders go, so the table is as large as what is open, not what ever was.
  if (--it->second == 0) held.erase(it);
}

std::optional<KeyedCounter::Slot> KeyedCounter::acquire(std::string_view key, std::size_t limit) {
  std::string k(key);
  std::lock_guard lock(table_->mu);
  auto it = table_->held.find(k);
  std::size_t now = it == table_->held.end() ? 0 : it->second;
  if (limit != 0 && now >= limit) return std::nullopt;
  if (it == table_->held.end())
    table_->held.emplace(k, 1);
  else
    ++it->second;
  return Slot(table_, std::move(k));
}

std::size_t KeyedCounter::count(std::string_view key) const {
  std::lock_guard lock(table_->mu);
  auto it = table_->held.find(std::string(key));
  return it == table_->held.end() ? 0 : it->second;
}

std::size_t KeyedCounter::keys() const {
  std::lock_guard lock(table_->mu);
  return table_->held.size();
}

}  // namespace voxgate
