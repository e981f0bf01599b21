#include "live/event_log.hpp"

#include <algorithm>

#include "live/event_encoding.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {
constexpr auto kPrunePeriod = std::chrono::seconds(30);
// An idle log asks the store how it is this often, so /ready follows a database outage and its
// end even when no event arrives.
constexpr auto kProbePeriod = std::chrono::seconds(1);

Delivery delivery_of(const StoredEvent& e) {
  return Delivery{e.org_id, e.user_id, e.seq,
                  std::make_shared<const std::string>(encode_event(e.org_id, e.seq, e.body))};
}
}  // namespace

EventLog::EventLog(std::unique_ptr<EventStore> store, std::unique_ptr<CallStore> calls,
                   LiveHub& hub, EventBroker& broker, LogRetention retention)
    : store_(std::move(store)),
      calls_(std::move(calls)),
      hub_(hub),
      broker_(broker),
      retention_(retention) {}

EventLog::~EventLog() {
  stop();
}

void EventLog::start() {
  broker_.start(BrokerEvents{[this](DeliveryBatch batch) { enqueue(RemoteTask{std::move(batch)}); },
                             [this] { enqueue(ResyncTask{}); }});
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

void EventLog::enqueue(Task task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void EventLog::append(std::vector<NewEvent> events, std::function<void(AppendResult)> done) {
  enqueue(AppendTask{std::move(events), std::move(done)});
}

void EventLog::recover(RecoverRequest request, std::function<void(RecoverResult)> done) {
  enqueue(RecoverTask{std::move(request), std::move(done)});
}

void EventLog::record_webhook(WebhookRecord record, std::function<void(WebhookOutcome)> done) {
  enqueue(WebhookTask{std::move(record), std::move(done), {}});
}

void EventLog::read_calls(std::function<void(CallStore*)> work) {
  enqueue(ReadTask{std::move(work)});
}

void EventLog::set_retention(LogRetention retention) {
  std::lock_guard lock(mu_);
  retention_ = retention;
}

void EventLog::run() {
  std::vector<Task> tasks;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kProbePeriod, [&] { return stopping_ || !queue_.empty(); });
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
        else if (auto* w = std::get_if<WebhookTask>(&t); w && w->done)
          w->done(WebhookOutcome{WebhookStatus::failed, {}, {}, {}, e.what()});
      }
    }
    tasks.clear();
    prune_if_due();
    probe_if_due();
    lock.lock();
  }
}

std::uint64_t EventLog::known_last_seq(const std::string& org) {
  // The log thread is the only writer, so it reads without the lock.
  if (auto it = last_seq_.find(org); it != last_seq_.end()) return it->second;
  std::uint64_t seq = store_->last_seq(org);
  set_last_seq(org, seq);
  return seq;
}

void EventLog::set_last_seq(const std::string& org, std::uint64_t seq) {
  std::lock_guard lock(seq_mu_);
  last_seq_[org] = seq;
}

std::optional<std::uint64_t> EventLog::last_seq_if_known(const std::string& org) const {
  std::lock_guard lock(seq_mu_);
  if (auto it = last_seq_.find(org); it != last_seq_.end()) return it->second;
  return std::nullopt;
}

void EventLog::resolve_webhook(WebhookTask& task, std::vector<NewEvent>& batch) {
  WebhookRecord& r = task.record;
  WebhookOutcome& out = task.outcome;
  // Protocol section 4: a call voxgate knows, then the payload's metadata, then the assistant.
  if (auto org = calls_->org_of_call(r.call.call_id)) {
    out.org_id = *org, out.org_source = "stored call";
  } else if (!r.org_hints.empty()) {
    out.org_source = r.org_hints.front().first, out.org_id = r.org_hints.front().second;
  } else if (auto by_assistant = r.call.assistant_id.empty()
                                     ? std::nullopt
                                     : calls_->org_of_assistant(r.call.assistant_id)) {
    out.org_id = *by_assistant, out.org_source = "stored assistant";
  } else if (!r.config_org.empty()) {
    out.org_id = r.config_org, out.org_source = "[vapi].assistant_orgs";
  }
  if (out.org_id.empty()) {
    out.status = WebhookStatus::unroutable;
    return;
  }
  // The bridge's own records carry no key: they are not deliveries that could repeat.
  if (!r.delivery_key.empty() && !calls_->claim_delivery(r.delivery_key, unix_millis_now())) {
    out.status = WebhookStatus::duplicate;
    return;
  }
  // A browser test call announces its own end (exactly one call_ended per session): the
  // provider's end-of-call report then adds its record, not a second call_ended.
  if (!r.delivery_key.empty() && std::any_of(r.events.begin(), r.events.end(),
                                             [](auto& e) { return e.type == "call_ended"; })) {
    auto stored = calls_->get_call(out.org_id, r.call.call_id);
    if (stored && !stored->call.tracking_id.empty())
      std::erase_if(r.events, [](auto& e) { return e.type == "call_ended"; });
  }
  out.status = WebhookStatus::stored;
  r.call.org_id = out.org_id;
  calls_->apply(r.call);
  known_last_seq(out.org_id);
  for (auto& e : r.events) {
    e.org_id = out.org_id;
    batch.push_back(std::move(e));
  }
}

void EventLog::process(std::vector<Task>& tasks) {
  // Every org's position before this batch, so each recovery below sees exactly the events
  // queued before it, even though one transaction stores the whole batch.
  std::vector<NewEvent> all;
  std::vector<std::size_t> counts(tasks.size(), 0);  // events each task adds to `all`
  std::vector<StoredEvent> stored;
  std::string error;
  bool writes = false;
  for (auto& t : tasks)
    writes |= std::holds_alternative<AppendTask>(t) || std::holds_alternative<WebhookTask>(t);
  if (writes) {
    try {
      store_->write_transaction([&] {
        for (std::size_t i = 0; i < tasks.size(); ++i) {
          std::size_t before = all.size();
          if (auto* a = std::get_if<AppendTask>(&tasks[i])) {
            for (auto& e : a->events) {
              known_last_seq(e.org_id);
              all.push_back(std::move(e));
            }
          } else if (auto* w = std::get_if<WebhookTask>(&tasks[i])) {
            if (calls_) resolve_webhook(*w, all);
          } else if (auto* r = std::get_if<RecoverTask>(&tasks[i])) {
            known_last_seq(r->request.org_id);
          }
          counts[i] = all.size() - before;
        }
        if (!all.empty()) stored = store_->append(std::move(all));
      });
      healthy_.store(true);
    } catch (const std::exception& e) {
      error = e.what();
      stored.clear();
      healthy_.store(false);
      log::error("event history write failed", {{"error", error}});
    }
  }

  std::vector<Delivery> deliveries;  // to this node's hub, in per-org id order
  std::vector<Delivery> own;         // stored by this node, for the other nodes
  std::vector<std::function<void()>> answers;
  auto flush = [&] {
    if (!own.empty()) {
      metrics().events_published.with({}).inc(own.size());
      broker_.share(std::make_shared<const std::vector<Delivery>>(std::move(own)));
      own.clear();
    }
    if (!deliveries.empty()) {
      hub_.publish(std::make_shared<const std::vector<Delivery>>(std::move(deliveries)));
      deliveries.clear();
    }
    for (auto& answer : answers) answer();
    answers.clear();
  };
  // The stored events of one task, handed to fan-out; their ids in order.
  std::size_t next = 0;
  auto take = [&](std::size_t count) {
    std::vector<std::string> ids;
    for (std::size_t k = 0; k < count && error.empty(); ++k) {
      const StoredEvent& e = stored[next++];
      ids.push_back(e.id());
      own.push_back(delivery_of(e));
      sequence(e.org_id, e.seq, &own.back(), deliveries);
    }
    return ids;
  };

  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto& t = tasks[i];
    if (auto* a = std::get_if<AppendTask>(&t)) {
      AppendResult result{take(counts[i]), error};
      answers.push_back([done = std::move(a->done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
      a->done = nullptr;
      continue;
    }
    if (auto* w = std::get_if<WebhookTask>(&t)) {
      WebhookOutcome outcome = std::move(w->outcome);
      outcome.ids = take(counts[i]);
      if (!error.empty()) outcome = WebhookOutcome{WebhookStatus::failed, {}, {}, {}, error};
      if (!calls_ && error.empty()) outcome.error = "no call store";
      answers.push_back([done = std::move(w->done), outcome = std::move(outcome)]() mutable {
        done(std::move(outcome));
      });
      w->done = nullptr;
      continue;
    }
    if (auto* remote = std::get_if<RemoteTask>(&t)) {
      for (const Delivery& d : *remote->batch) sequence(d.org_id, d.seq, &d, deliveries);
      continue;
    }
    if (std::holds_alternative<ResyncTask>(t)) {
      resync(deliveries);
      continue;
    }
    flush();
    if (auto* q = std::get_if<ReadTask>(&t)) {
      q->work(calls_.get());
      continue;
    }
    auto& r = std::get<RecoverTask>(t);
    RecoverResult result;
    result.last_seq = known_last_seq(r.request.org_id);
    if (r.request.since && *r.request.since < result.last_seq) {
      try {
        const std::string& org = r.request.org_id;
        std::uint64_t window = retention_now().history.max_events_per_org;
        Recovery rec = store_->since(org, *r.request.since, r.request.user_id, window + 1);
        // More is kept than retention promises until the next prune: a client that far behind
        // gets the newest `window` ids, told it missed some, never an older slice of them.
        if (rec.events.size() > window && rec.events.back().seq < result.last_seq) {
          rec = store_->since(org, result.last_seq - window, r.request.user_id, window + 1);
          rec.complete = false;
        }
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

void EventLog::sequence(const std::string& org, std::uint64_t seq, const Delivery* event,
                        std::vector<Delivery>& out) {
  // The log thread is the only writer of last_seq_, so it reads without the lock.
  auto known = last_seq_.find(org);
  if (known == last_seq_.end()) return;  // nobody on this node follows the org yet
  if (seq <= known->second) return;      // delivered already (or read from the store)
  if (seq > known->second + 1) fill_gap(org, seq - 1, out);
  out.push_back(*event);
  set_last_seq(org, seq);
}

void EventLog::fill_gap(const std::string& org, std::uint64_t through, std::vector<Delivery>& out) {
  const std::uint64_t after = last_seq_[org];
  try {
    // Those ids are committed: a node takes an org's next id only after the last one commits.
    Recovery missing = store_->since(org, after, "", through - after);
    for (const StoredEvent& e : missing.events) {
      if (e.seq > through) break;
      out.push_back(delivery_of(e));
      set_last_seq(org, e.seq);
    }
    metrics().events_read_for_fanout.with({}).inc(missing.events.size());
  } catch (const std::exception& e) {
    // Live subscribers miss these; a client that recovers with since still gets them.
    log::error("events of another node could not be read for live delivery",
               {{"org", org}, {"after", after}, {"through", through}, {"error", e.what()}});
  }
}

void EventLog::resync(std::vector<Delivery>& out) {
  std::vector<std::string> orgs;
  for (const auto& [org, seq] : last_seq_) orgs.push_back(org);
  for (const auto& org : orgs) {
    std::uint64_t last = 0;
    try {
      last = store_->last_seq(org);
    } catch (const std::exception& e) {
      log::error("catching up after a broker outage failed", {{"error", e.what()}});
      return;
    }
    if (last > last_seq_[org]) fill_gap(org, last, out);
  }
}

void EventLog::probe_if_due() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_probe_) return;
  next_probe_ = now + kProbePeriod;
  const bool ok = store_->healthy();
  if (ok != healthy_.exchange(ok))
    ok ? log::info("event history store reachable again")
       : log::error("event history store unreachable");
}

LogRetention EventLog::retention_now() {
  std::lock_guard lock(mu_);
  return retention_;
}

void EventLog::prune_if_due() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_prune_) return;
  next_prune_ = now + kPrunePeriod;
  LogRetention r = retention_now();
  try {
    auto now = unix_millis_now();
    std::size_t dropped =
        store_->prune(r.history.max_events_per_org, now - r.history.max_age.count());
    if (dropped) log::debug("event history pruned", {{"events", dropped}});
    if (calls_) calls_->prune_deliveries(now - r.dedupe_window.count());
    healthy_.store(true);
  } catch (const std::exception& e) {
    healthy_.store(false);
    log::error("event history prune failed", {{"error", e.what()}});
  }
}

}  // namespace voxgate
