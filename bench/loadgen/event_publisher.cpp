#include "event_publisher.hpp"

#include <algorithm>

#include "bench_event.hpp"
#include "clock.hpp"

namespace loadgen {

EventPublisher::EventPublisher(EventLoop& loop, PublisherSettings settings)
    : loop_(loop), settings_(std::move(settings)) {
  // settings_.targets never changes again: the connections keep references into it.
  for (std::size_t i = 0; i < settings_.connections; ++i)
    connections_.push_back(
        std::make_unique<PublishConnection>(loop_, settings_.targets[i % settings_.targets.size()],
                                            static_cast<PublishReplySink&>(*this)));
}

void EventPublisher::schedule(double rate, std::uint64_t first_seq, std::int64_t start_ns,
                              std::int64_t stop_ns) {
  rate_ = rate;
  first_seq_ = first_seq;
  start_ns_ = next_batch_ns_ = start_ns;
  stop_ns_ = stop_ns;
  tally_ = PublishTally{};
  tally_.events_per_node.assign(settings_.targets.size(), 0);
}

std::uint64_t EventPublisher::due_by(std::int64_t now) const {
  std::int64_t t = std::min(now, stop_ns_) - start_ns_;
  if (t <= 0) return 0;
  return static_cast<std::uint64_t>(rate_ * static_cast<double>(t) / kNsPerSec);
}

std::uint64_t EventPublisher::planned() const {
  return due_by(stop_ns_);
}

bool EventPublisher::settled() const {
  return std::none_of(connections_.begin(), connections_.end(),
                      [](const auto& c) { return c->busy(); });
}

// Connection i serves node i % nodes; with one node this is the first idle connection.
std::optional<std::size_t> EventPublisher::next_idle() {
  const std::size_t nodes = settings_.targets.size();
  for (std::size_t k = 0; k < nodes; ++k) {
    const std::size_t node = (next_node_ + k) % nodes;
    for (std::size_t i = node; i < connections_.size(); i += nodes) {
      if (connections_[i]->busy()) continue;
      next_node_ = (node + 1) % nodes;
      return i;
    }
  }
  return std::nullopt;
}

void EventPublisher::pump(std::int64_t now) {
  if (now < next_batch_ns_) return;
  std::uint64_t due = due_by(now) - tally_.events_sent;
  if (due == 0) return;
  const std::optional<std::size_t> pick = next_idle();
  if (!pick) return;  // a reply will wake the loop and retry
  PublishConnection& idle = *connections_[*pick];
  std::uint64_t n = std::min<std::uint64_t>(due, settings_.max_batch);
  const std::int64_t unix_now = unix_ms();
  body_.clear();
  body_ += '[';
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i) body_ += ',';
    append_bench_event(body_, next_seq() + i, settings_.orgs, now, unix_now);
  }
  body_ += ']';
  request_.clear();
  request_ += "POST /api/events HTTP/1.1\r\nHost: ";
  request_ += idle.target().host_header;
  request_ += "\r\nAuthorization: Bearer ";
  request_ += settings_.api_key;
  request_ += "\r\nContent-Type: application/json\r\nContent-Length: ";
  request_ += std::to_string(body_.size());
  request_ += "\r\n\r\n";
  request_ += body_;
  tally_.requests += 1;
  tally_.events_sent += n;
  tally_.events_per_node[*pick % settings_.targets.size()] += n;
  next_batch_ns_ = now + settings_.batch_interval_ns;
  idle.post(request_, n, now);
}

void EventPublisher::on_reply(const PublishReply& reply, std::int64_t now) {
  if (reply.status == 202) {
    tally_.events_accepted += reply.tag;  // the tag is the request's event count
    tally_.reply_latency.record(now - reply.sent_ns);
    return;
  }
  ++tally_.requests_refused;
  if (tally_.first_refusal.empty())
    tally_.first_refusal = reply.status == 0 ? "connection failed"
                                             : std::to_string(reply.status) + " " +
                                                   std::string(reply.body.substr(0, 200));
}

}  // namespace loadgen
