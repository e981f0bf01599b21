#include "subscriber_crowd.hpp"

#include <ctime>

#include "bench_event.hpp"
#include "clock.hpp"

namespace loadgen {
namespace {

constexpr std::int64_t kTokenLifetimeSec = std::int64_t{6} * 3600;

const char* kind_name(SubscriberEnding::Kind k) {
  switch (k) {
    case SubscriberEnding::Kind::connect_failed:
      return "connect failed";
    case SubscriberEnding::Kind::upgrade_refused:
      return "upgrade refused";
    case SubscriberEnding::Kind::closed_by_server:
      return "closed by server";
    case SubscriberEnding::Kind::connection_lost:
      return "connection lost";
    case SubscriberEnding::Kind::protocol:
      return "protocol error";
  }
  return "?";
}

}  // namespace

SubscriberCrowd::SubscriberCrowd(EventLoop& loop, CrowdSettings settings, const JwtMinter& minter)
    : loop_(loop), settings_(std::move(settings)), minter_(minter) {
  for (const Target& target : settings_.targets)
    envs_.emplace_back(loop, target, settings_.path, static_cast<SubscriberSink&>(*this));
}

OpenOutcome SubscriberCrowd::open(std::size_t more, std::int64_t deadline_ns) {
  const std::int64_t exp = std::time(nullptr) + kTokenLifetimeSec;
  for (std::size_t i = 0; i < more; ++i) {
    std::size_t user = subscribers_.size();
    auto org = static_cast<std::uint32_t>(user % settings_.orgs);
    SubscriberEnv& env = envs_[user / settings_.orgs % envs_.size()];
    subscribers_.emplace_back(env, org,
                              minter_.mint("user-" + std::to_string(user), org_name(org), exp));
    pending_.push_back(&subscribers_.back());
  }
  return open_pending(deadline_ns);
}

OpenOutcome SubscriberCrowd::reopen_ended(std::int64_t deadline_ns) {
  for (Subscriber& s : subscribers_)
    if (s.state() == Subscriber::State::ended) pending_.push_back(&s);
  return open_pending(deadline_ns);
}

OpenOutcome SubscriberCrowd::open_pending(std::int64_t deadline_ns) {
  OpenOutcome out;
  out.requested = pending_.size();
  subscribe_latency_.clear();
  const std::size_t live_before = live_, failed_before = failed_;
  const std::int64_t start = now_ns();
  last_subscribed_ns_ = start;
  std::size_t next = 0;
  while (live_ - live_before + failed_ - failed_before < out.requested) {
    std::int64_t now = now_ns();
    if (now >= deadline_ns) break;
    while (next < pending_.size() && in_flight_ < settings_.concurrency) {
      ++in_flight_;
      pending_[next++]->open(now);
    }
    loop_.poll(poll_timeout_ms(now, deadline_ns, 100));
  }
  pending_.clear();
  out.subscribed = live_ - live_before;
  out.failed = failed_ - failed_before;
  out.elapsed_ns = last_subscribed_ns_ - start;
  return out;
}

void SubscriberCrowd::abort_all() {
  for (Subscriber& s : subscribers_) s.abort();
  subscribers_.clear();
  pending_.clear();
  in_flight_ = live_ = 0;
}

std::vector<std::uint32_t> SubscriberCrowd::live_per_org() const {
  std::vector<std::uint32_t> counts(settings_.orgs, 0);
  for (const Subscriber& s : subscribers_)
    if (s.state() == Subscriber::State::live) ++counts[s.org()];
  return counts;
}

void SubscriberCrowd::on_subscribed(Subscriber& s, std::int64_t now) {
  --in_flight_;
  ++live_;
  last_subscribed_ns_ = now;
  subscribe_latency_.record(now - s.opened_at());
}

void SubscriberCrowd::on_message(Subscriber& s, std::string_view text, std::int64_t now) {
  if (listener_) listener_->on_message(s.org(), text, now);
}

void SubscriberCrowd::on_ended(Subscriber&, const SubscriberEnding& ending) {
  if (ending.was_live) {
    --live_;
    ++dropped_;
  } else {
    --in_flight_;
    ++failed_;
  }
  // Details vary per socket only in rare cases; the map stays small.
  ++endings_[std::string(kind_name(ending.kind)) + ": " + ending.detail];
}

}  // namespace loadgen
