#include "webhook_traffic.hpp"

#include <algorithm>
#include <stdexcept>

#include "bench_event.hpp"
#include "clock.hpp"

namespace loadgen {
namespace {

// A request's tag: its call slot, its message kind, whether it is a repeat.
std::uint64_t tag_of(std::uint32_t slot, MessageKind kind, bool repeat) {
  return std::uint64_t{slot} << 8 | static_cast<std::uint64_t>(kind) << 1 | (repeat ? 1 : 0);
}

// How many ids a stored answer lists ({"received":…,"orgId":…,"ids":["41","42"]}), or -1.
int ids_in(std::string_view body) {
  constexpr std::string_view kIds = R"("ids":[)";
  std::size_t at = body.find(kIds);
  if (at == std::string_view::npos) return -1;
  std::size_t end = body.find(']', at);
  if (end == std::string_view::npos) return -1;
  std::string_view list = body.substr(at + kIds.size(), end - at - kIds.size());
  return list.empty() ? 0 : 1 + static_cast<int>(std::count(list.begin(), list.end(), ','));
}

}  // namespace

WebhookTraffic::WebhookTraffic(EventLoop& loop, TrafficSettings settings)
    : loop_(loop),
      settings_(std::move(settings)),
      signer_(settings_.secret),
      run_id_(static_cast<std::uint32_t>(random_.next() >> 40)),
      slots_(settings_.calls) {
  if (settings_.calls == 0 || settings_.calls > 0xffff)
    throw std::invalid_argument("--calls must be between 1 and 65535");
  for (std::size_t i = 0; i < settings_.connections; ++i)
    connections_.push_back(std::make_unique<PublishConnection>(
        loop_, settings_.target, static_cast<PublishReplySink&>(*this)));
  // Calls start spread over their scripts, so the mix of message kinds is the steady one from
  // the first second, not every call ringing at once.
  const auto length = static_cast<std::size_t>(settings_.script.length());
  for (std::size_t i = 0; i < slots_.size(); ++i)
    begin_call(static_cast<std::uint32_t>(i), static_cast<int>(i * length / slots_.size()));
}

void WebhookTraffic::begin_call(std::uint32_t slot_index, int first_message) {
  Slot& s = slots_[slot_index];
  s.call.number = next_call_number_++;
  s.call.org = static_cast<std::uint32_t>(s.call.number % settings_.orgs);
  s.call.id = format_call_id(run_id_, CallRef{s.call.org, slot_index, s.call.number});
  // A call joined mid-way began a while ago: about 3 s per message so far.
  s.call.created_ms = unix_ms() - std::int64_t{3000} * first_message;
  s.call.started_ms = s.call.created_ms + 6000;
  s.next = first_message;
  s.last_ts_ms = 0;
  s.events_sent_ns = 0;
  s.busy = s.repeat_due = false;
}

void WebhookTraffic::schedule(double rate, std::int64_t start_ns, std::int64_t stop_ns) {
  rate_ = rate;
  start_ns_ = start_ns;
  stop_ns_ = stop_ns;
  tally_ = AnswerTally{};
  tally_.events_by_org.assign(settings_.orgs, 0);
}

std::size_t WebhookTraffic::in_flight() const {
  return static_cast<std::size_t>(std::count_if(connections_.begin(), connections_.end(),
                                                [](const auto& c) { return c->busy(); }));
}

std::optional<std::int64_t> WebhookTraffic::events_sent_ns(const CallRef& call) const {
  if (call.slot >= slots_.size()) return std::nullopt;
  const Slot& s = slots_[call.slot];
  if (s.call.number != call.number || s.events_sent_ns == 0) return std::nullopt;
  return s.events_sent_ns;
}

PublishConnection* WebhookTraffic::idle_connection() {
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    PublishConnection& c = *connections_[next_connection_];
    next_connection_ = (next_connection_ + 1) % connections_.size();
    if (!c.busy()) return &c;
  }
  return nullptr;
}

WebhookTraffic::Slot* WebhookTraffic::next_call() {
  if (!repeats_due_.empty()) {  // an answered call is never busy: its repeat can go now
    Slot& s = slots_[repeats_due_.front()];
    repeats_due_.pop_front();
    return &s;
  }
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[next_slot_];
    next_slot_ = (next_slot_ + 1) % slots_.size();
    if (!s.busy) return &s;
  }
  return nullptr;
}

void WebhookTraffic::pump(std::int64_t now) {
  const std::int64_t until = std::min(now, stop_ns_) - start_ns_;
  if (until <= 0) return;
  const auto due = static_cast<std::uint64_t>(rate_ * static_cast<double>(until) / kNsPerSec);
  while (tally_.sent < due) {
    PublishConnection* connection = idle_connection();
    Slot* slot = connection ? next_call() : nullptr;
    if (!slot) return;  // an answer frees a connection or a call and wakes the loop
    // Message n (from 0) falls due when rate * elapsed reaches n + 1.
    const auto scheduled =
        start_ns_ +
        static_cast<std::int64_t>(static_cast<double>(tally_.sent + 1) * kNsPerSec / rate_);
    tally_.max_lag_ns = std::max(tally_.max_lag_ns, now - scheduled);
    send(*connection, static_cast<std::uint32_t>(slot - slots_.data()));
  }
}

void WebhookTraffic::send(PublishConnection& connection, std::uint32_t slot_index) {
  Slot& s = slots_[slot_index];
  const bool repeat = s.repeat_due;
  // A repeat is the same body again (Vapi retrying a delivery), with a fresh signature.
  const int index = repeat ? s.next - 1 : s.next;
  const std::int64_t ts_ms = repeat ? s.last_ts_ms : std::max(unix_ms(), s.last_ts_ms + 1);
  const MessageKind kind = settings_.script.kind_at(index);
  body_.clear();
  settings_.script.append(body_, s.call, index, ts_ms);
  if (!repeat) {
    s.last_ts_ms = ts_ms;
    ++s.next;
  }
  s.repeat_due = false;
  s.busy = true;

  timestamp_ = std::to_string(unix_ms());
  signer_.sign(timestamp_, body_, signature_);
  request_.clear();
  request_ += "POST /api/webhooks/vapi HTTP/1.1\r\nHost: ";
  request_ += settings_.target.host_header;
  request_ += "\r\nContent-Type: application/json\r\nUser-Agent: voxgate_loadgen\r\nx-timestamp: ";
  request_ += timestamp_;
  request_ += "\r\nx-signature: ";
  request_ += signature_;
  request_ += "\r\nContent-Length: ";
  request_ += std::to_string(body_.size());
  request_ += "\r\n\r\n";
  request_ += body_;

  ++tally_.sent;
  tally_.bytes_sent += body_.size();
  if (repeat) ++tally_.repeats_sent;
  const std::int64_t written = now_ns();
  if (!repeat) s.events_sent_ns = written;
  connection.post(request_, tag_of(slot_index, kind, repeat), written);
}

void WebhookTraffic::judge_stored(const Slot& s, MessageKind kind, bool repeat,
                                  std::string_view body) {
  ++tally_.stored;
  if (repeat) ++tally_.missed_repeats;
  if (kind == MessageKind::report) ++tally_.calls_ended;
  const int ids = ids_in(body);
  if (ids != live_events_of(kind)) ++tally_.event_mismatch;
  if (ids > 0) tally_.events_by_org[s.call.org] += static_cast<std::uint64_t>(ids);
  org_field_ = R"("orgId":")";
  org_field_ += org_name(s.call.org);
  org_field_ += '"';
  if (body.find(org_field_) == std::string_view::npos) ++tally_.wrong_org;
}

void WebhookTraffic::on_reply(const PublishReply& reply, std::int64_t now) {
  const auto slot_index = static_cast<std::uint32_t>(reply.tag >> 8);
  const auto kind = static_cast<MessageKind>((reply.tag >> 1) & 0x7f);
  const bool repeat = (reply.tag & 1) != 0;
  Slot& s = slots_[slot_index];
  s.busy = false;
  bool stored = false;
  if (reply.status == 200 && reply.body.find(R"("duplicate":true)") != std::string_view::npos) {
    ++tally_.duplicate;
    if (!repeat) ++tally_.false_duplicates;
  } else if (reply.status == 200 && ids_in(reply.body) >= 0) {
    judge_stored(s, kind, repeat, reply.body);
    stored = !repeat;
  } else {
    ++tally_.other;
    if (tally_.first_other.empty())
      tally_.first_other = reply.status == 0 ? "connection failed"
                                             : std::to_string(reply.status) + " " +
                                                   std::string(reply.body.substr(0, 200));
  }
  if (reply.status != 0) {
    const std::int64_t took = now - reply.sent_ns;
    tally_.latency.record(took);
    (repeat ? tally_.repeats : tally_.by_kind[static_cast<int>(kind)]).record(took);
  }
  // Vapi retries a delivery it saw no answer to in time; here a share of the stored ones, next.
  // One repeat per stored message at most, so repeat_share / (1 - repeat_share) of them makes
  // repeat_share of all messages.
  if (stored && settings_.repeat_share > 0 &&
      static_cast<double>(random_.next() >> 11) * 0x1.0p-53 <
          settings_.repeat_share / (1 - settings_.repeat_share)) {
    s.repeat_due = true;
    repeats_due_.push_back(slot_index);
  }
  if (s.next >= settings_.script.length() && !s.repeat_due) begin_call(slot_index, 0);
}

}  // namespace loadgen
