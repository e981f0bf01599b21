#include "live/live_calls_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "auth/jwt.hpp"
#include "limits/limit_refusal.hpp"
#include "limits/token_bucket.hpp"
#include "limits/user_connections.hpp"
#include "live/replay_backlog.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

std::string error_message(std::string_view text) {
  return json::serialize(json::object{{"type", "error"}, {"message", text}});
}

std::optional<std::uint64_t> since_of(const json::value& v) {
  std::uint64_t out = 0;
  if (v.is_string()) {
    std::string_view s = v.get_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return out;
  }
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  return std::nullopt;
}

class LiveCallsSession final : public WsHandler, public LiveSubscriber {
 public:
  explicit LiveCallsSession(LiveServices& services) : services_(services) {}

  ~LiveCallsSession() override { unregister(); }

  void on_open(WsConnection& c) override {
    conn_ = &c;
    auth_deadline_ = SteadyClock::now() + c.settings().config.live.auth_timeout;
  }

  void on_message(WsConnection& c, std::string_view data, bool binary) override {
    if (binary) return c.send_text(error_message("binary frames are not part of this protocol"));
    boost::system::error_code ec;
    auto value = json::parse(data, ec);
    if (ec || !value.is_object())
      return c.send_text(error_message("malformed message: expected a JSON object"));
    auto& msg = value.as_object();
    const auto* type = msg.if_contains("type");
    if (!type || !type->is_string())
      return c.send_text(error_message("message has no \"type\" string"));
    std::string_view t = type->get_string();
    if ((t == "subscribe" || t == "refresh") && !subscribe_allowed(c)) return;
    if (t == "ping")
      return c.send_text(
          json::serialize(json::object{{"type", "pong"}, {"timestamp", iso8601_now()}}));
    if (t == "subscribe") return subscribe(c, msg);
    if (t == "refresh") return refresh(c, msg);
    c.send_text(error_message("unknown message type \"" + std::string(t) + "\""));
  }

  void on_sweep(WsConnection& c, SteadyTime now) override {
    if (state_ == State::waiting && now >= auth_deadline_)
      return c.close(1008, "Unauthorized: no subscribe message");
    if (state_ != State::waiting && unix_millis_now() / 1000 >= expires_at_)
      c.close(1008, "Unauthorized: token expired");
  }

  void on_close(WsConnection&) override {
    unregister();
    user_slot_.release();
  }

  void on_drain(WsConnection& c) override {
    if (!backlog_.empty()) backlog_.send_some(c, replay_budget(c));
  }

  void deliver(const Delivery& d) override {
    // While the history is being read, live events up to its end are part of it.
    if (state_ != State::live || d.seq <= last_seq_) return;
    last_seq_ = d.seq;
    const auto limit = conn_->settings().config.live.queue_bytes;
    if (!backlog_.empty()) {
      // Behind the history still owed, which goes out as the client reads.
      if (!backlog_.hold(d.payload, limit)) slow_consumer();
      return;
    }
    if (conn_->queued_bytes() + d.payload->size() > limit) return slow_consumer();
    conn_->send(d.payload, false);
  }

 private:
  enum class State { waiting, recovering, live };

  // The history goes to the queue in parts of half of it: room is left for live events.
  static std::size_t replay_budget(const WsConnection& c) {
    return c.settings().config.live.queue_bytes / 2;
  }

  void slow_consumer() {
    metrics().events_dropped.with({"slow_consumer"}).inc();
    backlog_.clear();
    conn_->close(1013, "slow consumer");
  }

  std::optional<UserIdentity> verify(WsConnection& c, const json::object& msg) {
    const auto* token = msg.if_contains("token");
    if (!token || !token->is_string()) {
      c.close(1008, "Unauthorized: invalid token");
      return std::nullopt;
    }
    const auto& verifier = c.settings().tokens;
    TokenCheck check = verifier->verify(token->get_string(), unix_millis_now() / 1000);
    if (!check.identity) {
      metrics().live_subscribes.with({check.expired() ? "expired" : "invalid"}).inc();
      log::info("live-calls token refused",
                {{"remote", c.info().remote}, {"reason", check.detail}});
      c.close(1008,
              check.expired() ? "Unauthorized: token expired" : "Unauthorized: invalid token");
      return std::nullopt;
    }
    return std::move(check.identity);
  }

  // Each subscribe or refresh verifies a token: a connection sending them in a loop is closed.
  bool subscribe_allowed(WsConnection& c) {
    auto per_minute = static_cast<double>(c.settings().config.limits.subscribes_per_connection);
    if (per_minute == 0 || subscribes_.take(SteadyClock::now(), per_minute / 60, per_minute))
      return true;
    note_refusal(LimitRefusal{"subscribes_per_connection", 429,
                              "more than " + std::to_string(static_cast<int>(per_minute)) +
                                  " subscribe or refresh messages a minute",
                              std::chrono::seconds(60)},
                 c.info().remote);
    c.close(1008, "Too many subscribe attempts");
    return false;
  }

  // The user's sockets on this node are bounded: the one over the limit is closed.
  bool user_slot_taken(WsConnection& c, const UserIdentity& identity) {
    auto slot = user_connection_slot(services_.users, identity.user_id,
                                     c.settings().config.limits.connections_per_user);
    if (!slot) {
      c.close(1008, kTooManyUserConnections);
      return false;
    }
    user_slot_ = std::move(*slot);
    return true;
  }

  void subscribe(WsConnection& c, const json::object& msg) {
    if (state_ != State::waiting) return c.send_text(error_message("already subscribed"));
    std::optional<std::uint64_t> since;
    if (const auto* s = msg.if_contains("since"); s && !s->is_null()) {
      since = since_of(*s);
      if (!since) return c.send_text(error_message("since: must be an event id from this stream"));
    }
    auto identity = verify(c, msg);
    if (!identity || !user_slot_taken(c, *identity)) return;
    identity_ = std::move(*identity);
    expires_at_ = identity_.expires_at;
    state_ = State::recovering;
    recovering_since_ = since.has_value();
    services_.hub.local(c.worker_index()).add(identity_.org_id, identity_.user_id, this);
    registered_ = true;
    metrics().live_subscribes.with({"ok"}).inc();

    // Without `since` there is nothing to read: the position is known here when the log has
    // seen the org (see EventLog::last_seq_if_known), and the subscriber is live at once.
    if (!since) {
      if (auto last = services_.log.last_seq_if_known(identity_.org_id))
        return recovered(c, RecoverResult{*last, {}, true, {}});
    }

    auto weak = c.weak_from_this();
    auto executor = c.executor();
    services_.log.recover(RecoverRequest{identity_.org_id, identity_.user_id, since},
                          [weak, executor, this](RecoverResult result) {
                            boost::asio::post(executor,
                                              [weak, this, result = std::move(result)]() mutable {
                                                if (auto conn = weak.lock())
                                                  recovered(*conn, std::move(result));
                                              });
                          });
  }

  void recovered(WsConnection& c, RecoverResult result) {
    if (state_ != State::recovering) return;
    if (!result.error.empty()) return c.close(1011, "event history unavailable");
    last_seq_ = result.last_seq;
    c.send_text(json::serialize(json::object{{"type", "subscribed"},
                                             {"userId", identity_.user_id},
                                             {"orgId", identity_.org_id},
                                             {"lastEventId", std::to_string(result.last_seq)}}));
    state_ = State::live;
    if (recovering_since_) {
      const auto count = result.events.size();
      result.events.push_back(json::serialize(
          json::object{{"type", "recovered"}, {"count", count}, {"complete", result.complete}}));
      backlog_.start(std::move(result.events));
      backlog_.send_some(c, replay_budget(c));
    }
  }

  void refresh(WsConnection& c, const json::object& msg) {
    if (state_ == State::waiting) return c.send_text(error_message("subscribe first"));
    const auto* token = msg.if_contains("token");
    if (!token || !token->is_string())
      return c.send_text(error_message("token: a JWT is required"));
    TokenCheck check = c.settings().tokens->verify(token->get_string(), unix_millis_now() / 1000);
    if (!check.identity)
      return c.send_text(
          error_message(check.expired() ? "refresh token expired" : "refresh token invalid"));
    if (check.identity->user_id != identity_.user_id || check.identity->org_id != identity_.org_id)
      return c.send_text(error_message("refresh token is for another user or org"));
    expires_at_ = check.identity->expires_at;
    c.send_text(json::serialize(json::object{{"type", "refreshed"}, {"exp", expires_at_}}));
  }

  void unregister() {
    if (!registered_) return;
    registered_ = false;
    services_.hub.local(conn_->worker_index()).remove(identity_.org_id, identity_.user_id, this);
  }

  LiveServices services_;  // references to the hub and log, which outlive every session
  WsConnection* conn_ = nullptr;
  State state_ = State::waiting;
  UserIdentity identity_;
  std::int64_t expires_at_ = 0;
  std::uint64_t last_seq_ = 0;
  SteadyTime auth_deadline_{};
  TokenBucket subscribes_;        // [limits].subscribes_per_connection
  KeyedCounter::Slot user_slot_;  // [limits].connections_per_user
  ReplayBacklog backlog_;         // the answer to `since` and events behind it, not yet queued
  bool registered_ = false;
  bool recovering_since_ = false;
};

}  // namespace

std::unique_ptr<WsHandler> make_live_calls_handler(LiveServices& services) {
  return std::make_unique<LiveCallsSession>(services);
}

}  // namespace voxgate
