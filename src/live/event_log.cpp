#include "live/event_log.hpp"

#include "live/event_encoding.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {
constexpr auto kPrunePeriod = std::chrono::seconds(30);
}

EventLog::EventLog(std::unique_ptr<EventStore> store, LiveHub& hub, HistoryConfig retention)
    : store_(std::move(store)), hub_(hub), retention_(retention) {}

EventLog::~EventLog() {
  stop();
}

void EventLog::start() {
  thread_ = std::thread([this] { run(); });
}

void EventLog::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EventLog::append(std::vector<NewEvent> events, std::function<void(AppendResult)> done) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(AppendTask{std::move(events), std::move(done)});
  }
  wake_.notify_one();
}

void EventLog::recover(RecoverRequest request, std::function<void(RecoverResult)> done) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(RecoverTask{std::move(request), std::move(done)});
  }
  wake_.notify_one();
}

void EventLog::set_retention(HistoryConfig retention) {
  std::lock_guard lock(mu_);
  retention_ = retention;
}

void EventLog::run() {
  std::vector<Task> tasks;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kPrunePeriod, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    tasks.swap(queue_);
    lock.unlock();
    try {
      process(tasks);
    } catch (const std::exception& e) {
      // The store failed outside an append (e.g. reading a position): answer everyone.
      healthy_.store(false);
      log::error("event history failed", {{"error", e.what()}});
      for (auto& t : tasks) {
        if (auto* a = std::get_if<AppendTask>(&t); a && a->done)
          a->done(AppendResult{{}, e.what()});
        else if (auto* r = std::get_if<RecoverTask>(&t); r && r->done)
          r->done(RecoverResult{0, {}, false, e.what()});
      }
    }
    tasks.clear();
    prune_if_due();
    lock.lock();
  }
}

std::uint64_t& EventLog::known_last_seq(const std::string& org) {
  auto it = last_seq_.find(org);
  if (it == last_seq_.end()) it = last_seq_.emplace(org, store_->last_seq(org)).first;
  return it->second;
}

void EventLog::process(std::vector<Task>& tasks) {
  // Every org's position before this batch, so each recovery below sees exactly the events
  // queued before it, even though one transaction stores the whole batch.
  std::vector<NewEvent> all;
  for (auto& t : tasks) {
    if (auto* a = std::get_if<AppendTask>(&t)) {
      for (auto& e : a->events) {
        known_last_seq(e.org_id);
        all.push_back(std::move(e));
      }
    } else {
      known_last_seq(std::get<RecoverTask>(t).request.org_id);
    }
  }
  std::vector<StoredEvent> stored;
  std::string error;
  if (!all.empty()) {
    try {
      stored = store_->append(std::move(all));
      healthy_.store(true);
    } catch (const std::exception& e) {
      error = e.what();
      healthy_.store(false);
      log::error("event history write failed", {{"error", error}});
    }
  }

  auto deliveries = std::make_shared<std::vector<Delivery>>();
  std::vector<std::pair<std::function<void(AppendResult)>*, AppendResult>> answers;
  auto flush = [&] {
    if (!deliveries->empty()) {
      metrics().events_published.with({}).inc(deliveries->size());
      hub_.publish(std::move(deliveries));
      deliveries = std::make_shared<std::vector<Delivery>>();
    }
    for (auto& [done, result] : answers) (*done)(std::move(result)), *done = nullptr;
    answers.clear();
  };

  std::size_t next = 0;
  for (auto& t : tasks) {
    if (auto* a = std::get_if<AppendTask>(&t)) {
      AppendResult result;
      result.error = error;
      if (error.empty()) {
        for (std::size_t i = 0; i < a->events.size(); ++i) {
          const StoredEvent& e = stored[next++];
          known_last_seq(e.org_id) = e.seq;
          result.ids.push_back(e.id());
          deliveries->push_back(
              Delivery{e.org_id, e.user_id, e.seq,
                       std::make_shared<const std::string>(encode_event(e.org_id, e.seq, e.body))});
        }
      }
      answers.emplace_back(&a->done, std::move(result));
      continue;
    }
    auto& r = std::get<RecoverTask>(t);
    flush();
    RecoverResult result;
    result.last_seq = known_last_seq(r.request.org_id);
    if (r.request.since && *r.request.since < result.last_seq) {
      try {
        std::size_t limit = retention_.max_events_per_org + 1;
        Recovery rec = store_->since(r.request.org_id, *r.request.since, r.request.user_id, limit);
        result.complete = rec.complete;
        for (const auto& e : rec.events) {
          if (e.seq > result.last_seq) break;  // stored by this batch after the request
          result.events.push_back(encode_event(e.org_id, e.seq, e.body));
        }
      } catch (const std::exception& e) {
        result.error = e.what();
      }
    }
    r.done(std::move(result));
    r.done = nullptr;
  }
  flush();
}

void EventLog::prune_if_due() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_prune_) return;
  next_prune_ = now + kPrunePeriod;
  HistoryConfig r;
  {
    std::lock_guard lock(mu_);
    r = retention_;
  }
  try {
    std::size_t dropped =
        store_->prune(r.max_events_per_org, unix_millis_now() - r.max_age.count());
    if (dropped) log::debug("event history pruned", {{"events", dropped}});
    healthy_.store(true);
  } catch (const std::exception& e) {
    healthy_.store(false);
    log::error("event history prune failed", {{"error", e.what()}});
  }
}

}  // namespace voxgate
