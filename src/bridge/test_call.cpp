#include "bridge/test_call.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "bridge/provider_transcript.hpp"
#include "ops/clock.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

// Per audio frame: the counters are looked up once (with() takes a lock and builds a key).
void count_relayed(bool to_provider, std::size_t bytes) {
  static auto& frames_up = metrics().web_voice_audio_frames.with({"to_provider"});
  static auto& frames_down = metrics().web_voice_audio_frames.with({"to_browser"});
  static auto& bytes_up = metrics().web_voice_audio_bytes.with({"to_provider"});
  static auto& bytes_down = metrics().web_voice_audio_bytes.with({"to_browser"});
  (to_provider ? frames_up : frames_down).inc();
  (to_provider ? bytes_up : bytes_down).inc(bytes);
}

SharedPayload text_payload(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

// The provider's endedReason when a text frame is its final status-update.
std::string ended_reason_of(std::string_view text) {
  if (text.find("\"ended\"") == std::string_view::npos) return {};
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  const auto& m = v.as_object();
  const auto* type = m.if_contains("type");
  const auto* status = m.if_contains("status");
  const auto* reason = m.if_contains("endedReason");
  if (type && type->is_string() && type->get_string() == "status-update" && status &&
      status->is_string() && status->get_string() == "ended")
    return reason && reason->is_string() ? std::string(reason->get_string()) : "ended";
  return {};
}

}  // namespace

TestCall::TestCall(TestCallInfo info, asio::any_io_executor home, VoiceProvider& provider,
                   EventLog& log, TestCallLimits limits)
    : info_(std::move(info)),
      home_(std::move(home)),
      provider_(provider),
      log_(log),
      limits_(limits) {}

template <class F>
void TestCall::at_home(F f) {
  asio::post(home_, [self = shared_from_this(), f = std::move(f)]() mutable { f(*self); });
}

void TestCall::announce() {
  CallUpdate update;
  update.call_id = info_.call.call_id;
  update.assistant_id = info_.assistant_id;
  update.tracking_id = info_.tracking_id;
  update.user_id = info_.user_id;
  update.call_type = "webCall";
  update.event_ms = unix_millis_now();
  publish_status("connecting", std::move(update));
}

void TestCall::attach(std::shared_ptr<WsConnection> browser) {
  attached_once_ = true;
  at_home([browser = std::move(browser)](TestCall& self) {
    if (self.ended_) return self.close_browser(browser, 1008, "Session not found or unauthorized");
    if (auto previous = self.browser_.lock(); previous && previous.get() != browser.get())
      self.close_browser(previous, 1008, "New client attached");
    self.browser_ = browser;
    self.browser_id_ = browser.get();
    self.browser_exec_ = browser->executor();
    if (self.attached_at_ == SteadyTime{}) self.attached_at_ = SteadyClock::now();
    if (!self.upstream_) {
      self.upstream_ = self.provider_.connect(self.info_.call, self.home_, self.weak_from_this());
    } else if (self.upstream_open_) {
      self.to_browser(text_payload(R"({"type":"ready"})"), false);
    }
  });
}

void TestCall::from_browser(const WsConnection* browser, SharedPayload payload, bool binary) {
  at_home([browser, payload = std::move(payload), binary](TestCall& self) mutable {
    if (self.ended_ || browser != self.browser_id_ || !self.upstream_) return;
    // Audio is real time: late audio is worse than none. Text (control messages) always goes.
    if (binary &&
        self.upstream_->queued_bytes() + payload->size() > self.limits_.upstream_queue_bytes) {
      metrics().web_voice_dropped.with({"to_provider"}).inc();
      return;
    }
    if (binary) count_relayed(true, payload->size());
    self.upstream_->send(std::move(payload), binary);
  });
}

void TestCall::browser_gone(const WsConnection* browser) {
  at_home([browser](TestCall& self) {
    if (browser != self.browser_id_) return;  // a replaced browser: the call goes on
    self.browser_.reset();
    self.browser_id_ = nullptr;
    self.finish("browser-disconnected", {});
  });
}

void TestCall::end(std::string reason, std::string browser_close_reason) {
  at_home([reason = std::move(reason), close = std::move(browser_close_reason)](TestCall& self) {
    self.finish(reason, close);
  });
}

void TestCall::check(SteadyTime now) {
  if (!ended_ && now - created_ >= limits_.call) end("timeout");
}

bool TestCall::unattached_too_long(SteadyTime now) const {
  return !ended_ && !attached_once_ && now - created_ >= limits_.unattached;
}

void TestCall::on_upstream_open() {
  upstream_open_ = true;
  if (ended_) return;
  to_browser(text_payload(R"({"type":"ready"})"), false);
  // The provider's socket is open: the call is live for its dashboards from now on.
  CallUpdate update;
  update.call_id = info_.call.call_id;
  update.event_ms = unix_millis_now();
  update.started_ms = update.event_ms;
  publish_status("in_progress", std::move(update));
}

void TestCall::on_upstream_message(std::string_view data, bool binary) {
  if (ended_) return;
  to_browser(std::make_shared<const std::string>(data), binary);
  if (binary) return;
  if (auto reason = ended_reason_of(data); !reason.empty()) provider_ended_reason_ = reason;
  auto line = provider_transcript(data, info_.call.call_id, info_.tracking_id, info_.user_id,
                                  unix_millis_now());
  if (!line) return;
  CallUpdate update;
  update.call_id = info_.call.call_id;
  update.event_ms = unix_millis_now();
  if (line->is_final)  // partial lines are streamed, never stored
    update.append_lines.push_back({line->speaker, line->text, update.event_ms, std::nullopt});
  publish({std::move(line->event)}, std::move(update));
}

void TestCall::on_upstream_closed(std::string reason) {
  upstream_open_ = false;
  if (ended_) return;
  log::info(
      "test call provider closed",
      {{"trackingId", info_.tracking_id}, {"vapiCallId", info_.call.call_id}, {"reason", reason}});
  finish(provider_ended_reason_.empty() ? "provider-closed" : provider_ended_reason_,
         "Vapi connection closed");
}

void TestCall::to_browser(SharedPayload payload, bool binary) {
  auto deliver = [limit = limits_.browser_queue_bytes](WsConnection& c, SharedPayload payload,
                                                       bool binary) {
    if (binary && c.queued_bytes() + payload->size() > limit) {
      metrics().web_voice_dropped.with({"to_browser"}).inc();
      return;
    }
    if (binary) count_relayed(false, payload->size());
    c.send(std::move(payload), binary);
  };
  if (browser_exec_ == home_) {
    if (auto b = browser_.lock()) deliver(*b, std::move(payload), binary);
    return;
  }
  asio::post(browser_exec_, [weak = browser_, payload = std::move(payload), binary, deliver] {
    if (auto b = weak.lock()) deliver(*b, payload, binary);
  });
}

void TestCall::close_browser(const std::shared_ptr<WsConnection>& browser, std::uint16_t code,
                             std::string reason) {
  asio::post(browser->executor(),
             [weak = std::weak_ptr<WsConnection>(browser), code, reason = std::move(reason)] {
               if (auto b = weak.lock()) b->close(code, reason);
             });
}

// Exactly once per call, whatever ends it.
void TestCall::finish(std::string reason, std::string close_reason) {
  if (ended_.exchange(true)) return;
  org_place_.release();
  if (upstream_) {
    upstream_->send(text_payload(R"({"type":"end-call"})"), false);
    upstream_->close();
  }
  if (auto b = browser_.lock(); b && !close_reason.empty()) close_browser(b, 1000, close_reason);
  auto now = unix_millis_now();
  std::optional<double> duration;
  if (attached_at_ != SteadyTime{})
    duration = std::chrono::duration<double>(SteadyClock::now() - attached_at_).count();
  json::object ended{{"type", "call_ended"},
                     {"vapiCallId", info_.call.call_id},
                     {"trackingId", info_.tracking_id},
                     {"userId", info_.user_id},
                     {"reason", reason}};
  if (duration) ended["durationSeconds"] = std::round(*duration);
  CallUpdate update;
  update.call_id = info_.call.call_id;
  update.status = "ended";
  update.ended_ms = now;
  update.duration_seconds = duration ? std::optional<double>(std::round(*duration)) : std::nullopt;
  update.ended_reason = reason;
  update.event_ms = now;
  publish({std::move(ended)}, std::move(update));
  // No node attaches a browser to it any more.
  log_.read_calls([tracking = info_.tracking_id, now](CallStore* store) {
    if (!store) return;
    try {
      store->end_test_session(tracking, now);
    } catch (const std::exception& e) {
      log::warn("test call session not marked ended",
                {{"trackingId", tracking}, {"error", e.what()}});
    }
  });
  metrics().web_voice_calls.with({reason}).inc();
  log::info(
      "test call ended",
      {{"trackingId", info_.tracking_id}, {"vapiCallId", info_.call.call_id}, {"reason", reason}});
}

void TestCall::publish_status(std::string_view status, CallUpdate update) {
  update.status = status;
  publish({json::object{{"type", "call_status"},
                        {"vapiCallId", info_.call.call_id},
                        {"trackingId", info_.tracking_id},
                        {"userId", info_.user_id},
                        {"status", status}}},
          std::move(update));
}

void TestCall::publish(std::vector<json::object> events, CallUpdate update) {
  WebhookRecord record;
  record.org_hints.emplace_back("browser test call", info_.org_id);
  record.call = std::move(update);
  for (auto& e : events) {
    NewEvent ev;
    ev.user_id = info_.user_id;  // a test call is its owner's: only their dashboards see it
    ev.type = e.at("type").as_string();
    ev.ts_ms = unix_millis_now();
    ev.body = json::serialize(e);
    record.events.push_back(std::move(ev));
  }
  log_.record_webhook(std::move(record), [tracking = info_.tracking_id](WebhookOutcome out) {
    if (out.status != WebhookStatus::stored)
      log::warn("test call event not stored", {{"trackingId", tracking}, {"error", out.error}});
  });
}

}  // namespace voxgate
