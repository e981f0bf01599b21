#pragma once
// What every store backend must do alike (SQLite, PostgreSQL): the contract tests run against
// each; a backend's test executable instantiates them with its StoreBackend.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "store/stores.hpp"

namespace voxgate {

// A webhook's update of one call with nothing else known yet.
inline CallUpdate update(std::string call_id, std::string org_id, std::int64_t event_ms = 1000) {
  CallUpdate u;
  u.call_id = std::move(call_id);
  u.org_id = std::move(org_id);
  u.event_ms = event_ms;
  return u;
}

// An event a webhook stores beside its call record.
inline NewEvent status_event(std::string org) {
  return {std::move(org), "", "call_status", R"({"status":"ringing"})", 1000};
}

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  virtual Stores open() = 0;  // the same empty-at-first database each time: a reopen
  // The first column of the first row of `sql`, read without the store's code; -1: no row.
  virtual long long count(const std::string& sql) = 0;
};

struct StoreBackendParam {
  std::string name;  // "Sqlite", "Postgres"
  std::function<std::unique_ptr<StoreBackend>(const std::string& test_name)> make;
};

class StoreContract : public ::testing::TestWithParam<StoreBackendParam> {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    backend_ = GetParam().make(info->name());
  }
  // A store of its own on the backend's database, as another opening (or a restart) sees it.
  std::unique_ptr<EventStore> open() { return backend_->open().events; }
  long long count(const std::string& sql) { return backend_->count(sql); }

  std::unique_ptr<StoreBackend> backend_;
};

class EventStoreContract : public StoreContract {};

class CallStoreContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    reopen();
  }
  void reopen() {
    stores_.reset();
    stores_ = backend_->open();
  }
  CallStore& calls() { return *stores_->calls; }
  EventStore& events() { return *stores_->events; }

  CallDetail get(std::string_view org, std::string_view call_id) {
    auto detail = calls().get_call(org, call_id);
    EXPECT_TRUE(detail) << call_id;
    return detail.value_or(CallDetail{});
  }

  // Every call of `query`, page by page, checking that each page holds at most `limit`.
  std::vector<CallRecord> all_pages(CallQuery query) {
    std::vector<CallRecord> all;
    for (int pages = 0; pages < 1000; ++pages) {
      const auto page = calls().list_calls(query);
      EXPECT_LE(page.calls.size(), query.limit);
      all.insert(all.end(), page.calls.begin(), page.calls.end());
      if (page.next_cursor.empty()) return all;
      EXPECT_FALSE(page.calls.empty());
      query.cursor = page.next_cursor;
    }
    ADD_FAILURE() << "the pages never end";
    return all;
  }

  std::optional<Stores> stores_;
};

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackendParam>& info) {
  return info.param.name;
}

}  // namespace voxgate
