#pragma once
// How many holders each key has (a user's open sockets, an address's connections, an org's
// test calls), against a limit; a Slot gives its place back when it goes, on any thread, even
// after the counter itself is gone.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace voxgate {

class KeyedCounter {
  struct Table {
    std::mutex mu;
    std::unordered_map<std::string, std::size_t> held;
    void give_back(const std::string& key);
  };

 public:
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&&) noexcept = default;
    Slot& operator=(Slot&& o) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

    void release();
    bool held() const { return table_ != nullptr; }

   private:
    friend class KeyedCounter;
    Slot(std::shared_ptr<Table> table, std::string key)
        : table_(std::move(table)), key_(std::move(key)) {}
    std::shared_ptr<Table> table_;
    std::string key_;
  };

  // A place for `key` unless it already holds `limit` (0: no limit).
  std::optional<Slot> acquire(std::string_view key, std::size_t limit);
  std::size_t count(std::string_view key) const;
  std::size_t keys() const;  // keys with a holder: what the table costs in memory

 private:
  std::shared_ptr<Table> table_ = std::make_shared<Table>();
};

}  // namespace voxgate
