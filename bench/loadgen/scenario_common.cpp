#include <stdexcept>

#include "clock.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"

namespace loadgen {
namespace {

// `--one` (a number), or where allowed `--many` (a comma-separated list), never both.
std::vector<std::int64_t> one_or_many(const Options& o, const std::string& one,
                                      const std::string& many, bool many_allowed) {
  std::vector<std::int64_t> single{o.integer(one, 0)};
  if (!many_allowed) return single;
  std::vector<std::int64_t> list = o.integers(many, {});
  if (list.empty()) return single;
  if (single.front() != 0)
    throw std::invalid_argument("give --" + one + " or --" + many + ", not both");
  return list;
}

}  // namespace

CommonSettings read_common(const Options& o, bool several_nodes) {
  CommonSettings c;
  c.crowd.targets =
      make_targets(o.text("host", "127.0.0.1"), one_or_many(o, "port", "ports", several_nodes));
  for (std::int64_t pid : one_or_many(o, "pid", "pids", several_nodes))
    c.server_pids.push_back(static_cast<int>(pid));
  c.crowd.path = o.text("path", "/ws/live-calls");
  c.crowd.orgs = static_cast<std::uint32_t>(o.integer("orgs", 100));
  c.crowd.concurrency = static_cast<std::size_t>(o.integer("concurrency", 500));
  c.jwt_secret = o.required_text("jwt-secret");
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
  ResultLine line("result", scenario);
  line.add("phase", "connect")
      .add("subscribers", opened.subscribed)
      .add("failed", opened.failed)
      .add("orgs", common.crowd.orgs);
  if (common.crowd.targets.size() > 1) line.add("nodes", common.crowd.targets.size());
  line.add("seconds", static_cast<double>(opened.elapsed_ns) / kNsPerSec, 3).print();
  if (opened.subscribed == subscribers) return true;
  note_endings(crowd);
  return false;
}

}  // namespace loadgen
