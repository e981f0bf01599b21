// (a) How many connections per second go from TCP connect to the `subscribed` reply.
#include <algorithm>

#include "clock.hpp"
#include "process_probe.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"

namespace loadgen {

int run_connect_rate(const Options& o) {
  CommonSettings common = read_common(o);
  const auto connections = static_cast<std::size_t>(o.integer("connections", 10000));
  const auto rounds = o.integer("rounds", 3);
  const auto pause_ms = o.integer("pause-ms", 2000);
  const auto timeout_s = o.integer("timeout-s", 60);
  o.reject_unused();
  require_open_files(connections);

  EventLoop loop;
  loop.set_poll_sleep_us(common.poll_sleep_us);
  JwtMinter minter(common.jwt_secret);
  SubscriberCrowd crowd(loop, common.crowd, minter);
  ProcessProbe server(common.server_pid());
  std::vector<double> rates;
  bool complete = true;
  for (std::int64_t round = 1; round <= rounds; ++round) {
    auto cpu_before = server.cpu_us();
    const std::int64_t self_before = self_cpu_us();
    OpenOutcome out = crowd.open(connections, now_ns() + timeout_s * kNsPerSec);
    auto cpu_after = server.cpu_us();
    const std::int64_t self_cpu = self_cpu_us() - self_before;
    double seconds = static_cast<double>(out.elapsed_ns) / kNsPerSec;
    double rate = seconds > 0 ? static_cast<double>(out.subscribed) / seconds : 0;
    rates.push_back(rate);
    complete = complete && out.failed == 0 && out.subscribed == out.requested;
    ResultLine line("result", "connect-rate");
    line.add("round", round)
        .add("connections", out.requested)
        .add("subscribed", out.subscribed)
        .add("failed", out.failed)
        .add("seconds", seconds, 3)
        .add("subscribed_per_s", rate, 0)
        .ms("subscribe_p50_ms", crowd.subscribe_latency().percentile_ns(0.50))
        .ms("subscribe_p99_ms", crowd.subscribe_latency().percentile_ns(0.99));
    if (cpu_before && cpu_after && out.subscribed)
      line.add("server_cpu_us_per_subscribe",
               static_cast<double>(*cpu_after - *cpu_before) / static_cast<double>(out.subscribed),
               1);
    if (out.elapsed_ns > 0) {
      // Both as a share of one core over the round, to show which side was saturated.
      double wall_us = static_cast<double>(out.elapsed_ns) / 1000;
      if (cpu_before && cpu_after)
        line.add("server_cpu_pct", 100 * static_cast<double>(*cpu_after - *cpu_before) / wall_us,
                 0);
      line.add("loadgen_cpu_pct", 100 * static_cast<double>(self_cpu) / wall_us, 0);
    }
    line.print();
    note_endings(crowd);
    crowd.abort_all();
    if (round < rounds) idle_for(loop, pause_ms);  // let the server retire the old connections
  }
  std::vector<double> sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  ResultLine("summary", "connect-rate")
      .add("rounds", rounds)
      .add("connections", connections)
      .add("median_subscribed_per_s", sorted[sorted.size() / 2], 0)
      .add("best_subscribed_per_s", sorted.back(), 0)
      .add("complete", complete ? "yes" : "no")
      .print();
  return complete ? 0 : 1;
}

}  // namespace loadgen
