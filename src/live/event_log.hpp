#pragma once
// The one writer of the event history: a thread that stores events in batches (one
// transaction for everything waiting), assigns their ids and hands them to fan-out in order.
// Recovery reads run on the same thread, so a subscriber's history and its live stream meet
// exactly: nothing missing, nothing twice.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "live/live_hub.hpp"
#include "store/event_store.hpp"

namespace voxgate {

struct AppendResult {
  std::vector<std::string> ids;  // in request order
  std::string error;             // non-empty: nothing was stored
};

struct RecoverRequest {
  std::string org_id;
  std::string user_id;
  std::optional<std::uint64_t> since;  // none: no history, only the position
};

struct RecoverResult {
  std::uint64_t last_seq = 0;       // the org's newest id when the snapshot was taken
  std::vector<std::string> events;  // encoded, in order (only with `since`)
  bool complete = true;
  std::string error;
};

class EventLog {
 public:
  EventLog(std::unique_ptr<EventStore> store, LiveHub& hub, HistoryConfig retention);
  ~EventLog();

  void start();
  void stop();  // finishes what is queued, then ends the thread

  // Callbacks run on the log's thread: post them to where they belong.
  void append(std::vector<NewEvent> events, std::function<void(AppendResult)> done);
  void recover(RecoverRequest request, std::function<void(RecoverResult)> done);

  void set_retention(HistoryConfig retention);
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  struct AppendTask {
    std::vector<NewEvent> events;
    std::function<void(AppendResult)> done;
  };
  struct RecoverTask {
    RecoverRequest request;
    std::function<void(RecoverResult)> done;
  };
  using Task = std::variant<AppendTask, RecoverTask>;

  void run();
  void process(std::vector<Task>& tasks);
  std::uint64_t& known_last_seq(const std::string& org);
  void prune_if_due();

  std::unique_ptr<EventStore> store_;
  LiveHub& hub_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Task> queue_;
  HistoryConfig retention_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> healthy_{true};
  std::unordered_map<std::string, std::uint64_t> last_seq_;  // log thread only
  std::chrono::steady_clock::time_point next_prune_{};
};

}  // namespace voxgate
