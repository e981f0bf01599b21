#include <stdexcept>

#include "clock.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"

namespace loadgen {

CommonSettings read_common(const Options& o) {
  CommonSettings c;
  c.crowd.target = make_target(o.text("host", "127.0.0.1"), static_cast<int>(o.integer("port", 0)));
  c.crowd.path = o.text("path", "/ws/live-calls");
  c.crowd.orgs = static_cast<std::uint32_t>(o.integer("orgs", 100));
  c.crowd.concurrency = static_cast<std::size_t>(o.integer("concurrency", 500));
  c.jwt_secret = o.required_text("jwt-secret");
  c.server_pid = static_cast<int>(o.integer("pid", 0));
  c.poll_sleep_us = static_cast<int>(o.integer("poll-sleep-us", 0));
  if (c.poll_sleep_us < 0 || c.poll_sleep_us > 100'000)
    throw std::invalid_argument("--poll-sleep-us must be between 0 and 100000");
  if (c.crowd.orgs == 0) throw std::invalid_argument("--orgs must be at least 1");
  if (c.crowd.concurrency == 0) throw std::invalid_argument("--concurrency must be at least 1");
  return c;
}

void require_open_files(std::size_t sockets) {
  constexpr std::size_t kSpare = 32;  // epoll, stdio, publisher connections
  std::size_t limit = raise_open_file_limit();
  if (sockets + kSpare > limit)
    throw std::invalid_argument(std::to_string(sockets) + " connections need " +
                                std::to_string(sockets + kSpare) +
                                " open files; the hard limit here is " + std::to_string(limit));
}

void idle_for(EventLoop& loop, std::int64_t ms) {
  const std::int64_t until = now_ns() + ms * kNsPerMs;
  for (std::int64_t now = now_ns(); now < until; now = now_ns())
    loop.poll(poll_timeout_ms(now, until, 100));
}

void note_endings(const SubscriberCrowd& crowd) {
  for (const auto& [why, count] : crowd.endings()) note("  " + std::to_string(count) + " x " + why);
}

bool open_crowd(SubscriberCrowd& crowd, const CommonSettings& common, const char* scenario,
                std::size_t subscribers, std::int64_t deadline_ns) {
  OpenOutcome opened = crowd.open(subscribers, deadline_ns);
  ResultLine("result", scenario)
      .add("phase", "connect")
      .add("subscribers", opened.subscribed)
      .add("failed", opened.failed)
      .add("orgs", common.crowd.orgs)
      .add("seconds", static_cast<double>(opened.elapsed_ns) / kNsPerSec, 3)
      .print();
  if (opened.subscribed == subscribers) return true;
  note_endings(crowd);
  return false;
}

}  // namespace loadgen
