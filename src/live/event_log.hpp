#pragma once
// The one writer of the event history: a thread that stores events in batches (one
// transaction for everything waiting), assigns their ids and hands them to fan-out in order.
// Recovery reads run on the same thread, so a subscriber's history and its live stream meet
// exactly: nothing missing, nothing twice. With several nodes it is also this node's
// sequencer: other nodes' events (from the broker) and its own reach the hub in per-org id
// order, and an id that has not arrived is read from the shared store instead of waited for.

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
#include "live/event_broker.hpp"
#include "live/webhook_record.hpp"
#include "store/call_store.hpp"
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

// What the log keeps and for how long.
struct LogRetention {
  HistoryConfig history;
  Millis dedupe_window{24 * 3600 * 1000};  // webhook de-duplication keys
};

class EventLog {
 public:
  // `calls` shares `store`'s database (one transaction covers both); it may be null when only
  // events are kept (tests). `hub` receives this node's deliveries; `broker` shares them.
  EventLog(std::unique_ptr<EventStore> store, std::unique_ptr<CallStore> calls, LiveHub& hub,
           EventBroker& broker, LogRetention retention);
  ~EventLog();

  void start();
  void stop();  // finishes what is queued, then ends the thread

  // Callbacks run on the log's thread: post them to where they belong.
  void append(std::vector<NewEvent> events, std::function<void(AppendResult)> done);
  void recover(RecoverRequest request, std::function<void(RecoverResult)> done);
  // Stores a webhook's call changes and events, unless its key was seen before.
  void record_webhook(WebhookRecord record, std::function<void(WebhookOutcome)> done);
  // Runs `work` on the log's thread, in order with writes: a read sees everything answered
  // before it. `work` gets null when there is no call store.
  void read_calls(std::function<void(CallStore*)> work);

  // The org's newest id as last handed to fan-out, or nothing if the log has not seen the org
  // yet. From any thread: a worker that reads it and registers a subscriber in the same handler
  // misses no later event (the log records an id before it posts the event to the workers).
  std::optional<std::uint64_t> last_seq_if_known(const std::string& org) const;

  void set_retention(LogRetention retention);
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
  struct WebhookTask {
    WebhookRecord record;
    std::function<void(WebhookOutcome)> done;
    WebhookOutcome outcome;  // decided inside the batch's transaction
  };
  struct ReadTask {
    std::function<void(CallStore*)> work;
  };
  struct RemoteTask {  // events another node committed
    DeliveryBatch batch;
  };
  struct ResyncTask {};  // the broker may have missed messages
  using Task = std::variant<AppendTask, RecoverTask, WebhookTask, ReadTask, RemoteTask, ResyncTask>;

  void enqueue(Task task);
  void resolve_webhook(WebhookTask& task, std::vector<NewEvent>& batch);

  void run();
  void process(std::vector<Task>& tasks);
  // Hands `seq` of `org` to this node's hub after every id before it: ids the broker has not
  // brought yet are read from the store, ids already delivered are skipped.
  void sequence(const std::string& org, std::uint64_t seq, const Delivery* event,
                std::vector<Delivery>& out);
  void fill_gap(const std::string& org, std::uint64_t through, std::vector<Delivery>& out);
  void resync(std::vector<Delivery>& out);
  void probe_if_due();
  std::uint64_t known_last_seq(const std::string& org);
  void set_last_seq(const std::string& org, std::uint64_t seq);
  void prune_if_due();
  LogRetention retention_now();

  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallStore> calls_;
  LiveHub& hub_;
  EventBroker& broker_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Task> queue_;
  LogRetention retention_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> healthy_{true};
  // Written by the log thread under seq_mu_, which readers on other threads take.
  mutable std::mutex seq_mu_;
  std::unordered_map<std::string, std::uint64_t> last_seq_;
  std::chrono::steady_clock::time_point next_prune_{};
  std::chrono::steady_clock::time_point next_probe_{};
};

}  // namespace voxgate
