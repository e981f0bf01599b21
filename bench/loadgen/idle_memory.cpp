// (c) Resident memory the server spends per idle subscribed connection: VmRSS growth over a
// baseline taken before the first connection, divided by the connections open.
#include <stdexcept>

#include "clock.hpp"
#include "process_probe.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"

namespace loadgen {

int run_idle_memory(const Options& o) {
  CommonSettings common = read_common(o);
  const auto levels = o.integers("connections", {10000, 19000});
  const auto settle_ms = o.integer("settle-ms", 3000);
  const auto timeout_s = o.integer("timeout-s", 60);
  o.reject_unused();
  ProcessProbe server(common.server_pid());
  if (!server.enabled())
    throw std::invalid_argument("idle-memory needs --pid of the voxgate process");
  require_open_files(static_cast<std::size_t>(levels.back()));

  EventLoop loop;
  loop.set_poll_sleep_us(common.poll_sleep_us);
  JwtMinter minter(common.jwt_secret);
  SubscriberCrowd crowd(loop, common.crowd, minter);
  auto base = server.rss_kib();
  if (!base)
    throw std::runtime_error("cannot read VmRSS of pid " + std::to_string(common.server_pid()));
  std::int64_t previous_rss = *base;
  std::size_t previous_n = 0;
  bool complete = true;
  ResultLine summary("summary", "idle-memory");
  summary.add("rss_base_kib", *base);
  for (std::int64_t level : levels) {
    auto target = static_cast<std::size_t>(level);
    if (target < crowd.live()) throw std::invalid_argument("--connections must increase");
    OpenOutcome out = crowd.open(target - crowd.live(), now_ns() + timeout_s * kNsPerSec);
    idle_for(loop, settle_ms);  // let allocations from the handshakes settle
    std::int64_t rss = server.rss_kib().value_or(0);
    std::size_t n = crowd.live();
    complete = complete && out.failed == 0 && n == target;
    double per_connection =
        n ? static_cast<double>(rss - *base) * 1024 / static_cast<double>(n) : 0;
    double marginal = n > previous_n ? static_cast<double>(rss - previous_rss) * 1024 /
                                           static_cast<double>(n - previous_n)
                                     : 0;
    ResultLine("result", "idle-memory")
        .add("connections", n)
        .add("failed", out.failed)
        .add("rss_base_kib", *base)
        .add("rss_kib", rss)
        .add("bytes_per_connection", per_connection, 0)
        .add("marginal_bytes_per_connection", marginal, 0)
        .print();
    summary.add("bytes_per_connection_at_" + std::to_string(target), per_connection, 0);
    note_endings(crowd);
    previous_rss = rss;
    previous_n = n;
  }
  summary.add("complete", complete ? "yes" : "no").print();
  crowd.abort_all();
  return complete ? 0 : 1;
}

}  // namespace loadgen
