#include "bridge/test_calls.hpp"

#include "ops/clock.hpp"
#include "ops/log.hpp"

namespace voxgate {

namespace {
constexpr std::string_view kNotFound = "Session not found or unauthorized";
}

TestCalls::TestCalls(std::unique_ptr<VoiceProvider> provider, EventLog& log,
                     std::vector<boost::asio::any_io_executor> workers, TestCallLimits limits,
                     std::string node)
    : provider_(std::move(provider)),
      log_(log),
      workers_(std::move(workers)),
      limits_(limits),
      node_(std::move(node)) {}

TestCalls::~TestCalls() = default;

boost::asio::any_io_executor TestCalls::next_home() {
  std::lock_guard lock(mu_);
  return workers_[next_++ % workers_.size()];
}

std::shared_ptr<TestCall> TestCalls::keep(TestCallInfo info, boost::asio::any_io_executor home) {
  auto call = std::make_shared<TestCall>(info, std::move(home), *provider_, log_, limits_);
  std::lock_guard lock(mu_);
  calls_[info.tracking_id] = call;
  return call;
}

std::optional<KeyedCounter::Slot> TestCalls::reserve(const std::string& org, std::size_t limit) {
  return calls_by_org_.acquire(org, limit);
}

void TestCalls::add(TestCallInfo info, boost::asio::any_io_executor home, KeyedCounter::Slot place,
                    std::function<void(std::shared_ptr<TestCall>)> done) {
  // Stored before the start answers: the browser may attach on any node right after.
  // Shared: the store's queue takes only copyable work.
  auto held = std::make_shared<KeyedCounter::Slot>(std::move(place));
  log_.read_calls([this, info = std::move(info), home = std::move(home), held,
                   done = std::move(done)](CallStore* store) mutable {
    if (store) {
      try {
        store->save_test_session({info.tracking_id, info.org_id, info.user_id, info.assistant_id,
                                  info.call.call_id, info.call.websocket_url, unix_millis_now(),
                                  std::nullopt, ""});
      } catch (const std::exception& e) {
        log::error("test call session not stored",
                   {{"trackingId", info.tracking_id}, {"error", e.what()}});
        return done(nullptr);
      }
    }
    auto call = keep(std::move(info), std::move(home));
    call->hold_org_place(std::move(*held));
    done(std::move(call));
  });
}

void TestCalls::attachable(const std::string& tracking_id, const UserIdentity& user,
                           std::function<void(Attachable)> done) {
  log_.read_calls([this, tracking_id, user, done = std::move(done)](CallStore* store) {
    auto local = find(tracking_id);
    const auto owns = [&](const std::string& org, const std::string& id) {
      return org == user.org_id && id == user.user_id;
    };
    if (!store) {
      if (local && owns(local->info().org_id, local->info().user_id)) return done({local, {}});
      return done({nullptr, std::string(kNotFound)});
    }
    try {
      auto session = store->find_test_session(tracking_id);
      // An unknown, ended or someone else's session are answered alike (section 5).
      if (!session || session->ended_ms || !owns(session->org_id, session->user_id))
        return done({nullptr, std::string(kNotFound)});
      if (!store->claim_test_session(tracking_id, node_)) {
        // Held by another node's browser, or its end was just requested.
        auto now = store->find_test_session(tracking_id);
        const bool elsewhere = now && !now->ended_ms && !now->node.empty() && now->node != node_;
        return done(
            {nullptr, elsewhere ? "Session attached on another node" : std::string(kNotFound)});
      }
      if (local) return done({local, {}});
      auto call = keep({session->tracking_id,
                        session->user_id,
                        session->org_id,
                        session->assistant_id,
                        {session->call_id, session->websocket_url}},
                       next_home());
      log::info("test call attached on this node",
                {{"trackingId", tracking_id}, {"vapiCallId", session->call_id}, {"node", node_}});
      done({call, {}});
    } catch (const std::exception& e) {
      log::error("test call session unreadable",
                 {{"trackingId", tracking_id}, {"error", e.what()}});
      done({nullptr, "event history unavailable"});
    }
  });
}

void TestCalls::request_end(const std::string& tracking_id, const UserIdentity& user,
                            std::function<void(bool)> done) {
  log_.read_calls([this, tracking_id, user, done = std::move(done)](CallStore* store) {
    try {
      auto session = store ? store->find_test_session(tracking_id) : std::nullopt;
      if (!session || session->org_id != user.org_id || session->user_id != user.user_id)
        return done(false);
      // Not relayed elsewhere, and this node holds it: it ends here and now.
      if (session->node.empty() || session->node == node_) {
        if (auto call = find(tracking_id)) {
          call->end("ended-by-api");
          return done(true);
        }
      }
      done(store->request_test_session_end(tracking_id, unix_millis_now()));
    } catch (const std::exception& e) {
      log::error("test call end not recorded", {{"trackingId", tracking_id}, {"error", e.what()}});
      done(false);
    }
  });
}

void TestCalls::end_requested_elsewhere() {
  log_.read_calls([this](CallStore* store) {
    if (!store) return;
    std::vector<std::string> ids;
    try {
      ids = store->test_sessions_to_end(node_);
    } catch (const std::exception& e) {
      return log::warn("test call end requests unreadable", {{"error", e.what()}});
    }
    for (const auto& id : ids)
      if (auto call = find(id)) call->end("ended-by-api");
  });
}

void TestCalls::let_go_or_end(std::shared_ptr<TestCall> call) {
  log_.read_calls([this, call = std::move(call)](CallStore* store) {
    std::string holder;
    try {
      if (auto session = store ? store->find_test_session(call->info().tracking_id) : std::nullopt)
        holder = session->node;
    } catch (const std::exception& e) {
      // Ending it could cut a call another node relays: ask again at the next sweep.
      return log::warn("test call session unreadable",
                       {{"trackingId", call->info().tracking_id}, {"error", e.what()}});
    }
    if (holder.empty() || holder == node_) return call->end("not-attached");
    // Another node relays it: this node's copy goes without ending the call.
    std::lock_guard lock(mu_);
    if (auto it = calls_.find(call->info().tracking_id); it != calls_.end() && it->second == call)
      calls_.erase(it);
  });
}

std::shared_ptr<TestCall> TestCalls::find(const std::string& tracking_id) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(tracking_id);
  if (it == calls_.end() || it->second->ended()) return nullptr;
  return it->second;
}

std::size_t TestCalls::size() {
  std::lock_guard lock(mu_);
  return calls_.size();
}

void TestCalls::start_sweeps() {
  timer_ = std::make_unique<boost::asio::steady_timer>(workers_.front());
  sweep();
}

void TestCalls::sweep() {
  std::vector<std::shared_ptr<TestCall>> calls;
  {
    std::lock_guard lock(mu_);
    // Ended calls leave the table: attaching to one answers like an unknown id.
    std::erase_if(calls_, [](const auto& entry) { return entry.second->ended(); });
    for (auto& [id, call] : calls_) calls.push_back(call);
  }
  auto now = SteadyClock::now();
  if (!calls.empty()) end_requested_elsewhere();
  for (auto& call : calls) {
    call->check(now);
    if (call->unattached_too_long(now)) let_go_or_end(call);
  }
  timer_->expires_after(std::chrono::seconds(1));
  timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

}  // namespace voxgate
