// (b) Fan-out: subscribers spread evenly over orgs, events published through POST /api/events.
// Finds the highest event rate with no loss and p99 under the limit, confirms it over a longer
// window, then measures latency at half that rate. Every loop below has a fixed bound.
// With --ports the subscribers and the publish connections spread over several nodes.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "clock.hpp"
#include "fanout_step.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"

namespace loadgen {
namespace {

struct SearchPlan {
  double fixed_rate = 0;  // > 0: measure this rate only (step_s), no search
  double start_rate = 200;
  double factor = 1.3;
  int max_steps = 12;
  int refine_steps = 3;
  int sustain_tries = 3;
  double step_s = 5, sustain_s = 15, half_s = 10;
};

class RateSearch {
 public:
  RateSearch(FanoutStep& step, SubscriberCrowd& crowd, std::int64_t reconnect_ns)
      : step_(step), crowd_(crowd), reconnect_ns_(reconnect_ns) {}

  StepResult measure(const std::string& phase, double rate, double seconds) {
    StepResult r = step_.run(phase, rate, seconds);
    print_step(r);
    if (r.dropped_subscribers) {
      // A closed subscriber would count as loss in every later step: bring it back first.
      note_endings(crowd_);
      crowd_.reopen_ended(now_ns() + reconnect_ns_);
    }
    return r;
  }

  // The highest passing rate of the search, or nothing when even the lowest tried fails.
  std::optional<double> search(const SearchPlan& plan) {
    std::optional<double> best;
    double failed = 0;
    double rate = plan.start_rate;
    for (int i = 0; i < plan.max_steps; ++i, rate *= plan.factor) {
      if (measure("search", rate, plan.step_s).pass) {
        best = rate;
        continue;
      }
      failed = rate;
      break;
    }
    // The start itself failed: halve, a few times, to find any passing rate.
    for (int i = 0; !best && i < 3; ++i) {
      rate = failed / 2;
      if (measure("search", rate, plan.step_s).pass)
        best = rate;
      else
        failed = rate;
    }
    if (!best || failed == 0) return best;
    for (int i = 0; i < plan.refine_steps && (failed - *best) / *best > 0.05; ++i) {
      double mid = (*best + failed) / 2;
      if (measure("refine", mid, plan.step_s).pass)
        best = mid;
      else
        failed = mid;
    }
    return best;
  }

  // The search's best rate held over a longer window; 10 % lower per failed try.
  std::optional<StepResult> sustain(double rate, const SearchPlan& plan) {
    for (int i = 0; i < plan.sustain_tries; ++i, rate *= 0.9) {
      StepResult r = measure("sustain", rate, plan.sustain_s);
      if (r.pass) return r;
    }
    return std::nullopt;
  }

 private:
  FanoutStep& step_;
  SubscriberCrowd& crowd_;
  std::int64_t reconnect_ns_;
};

}  // namespace

int run_fanout(const Options& o) {
  CommonSettings common = read_common(o, /*several_nodes=*/true);
  const auto subscribers = static_cast<std::size_t>(o.integer("subscribers", 10000));
  PublisherSettings pub;
  // Publishing to other nodes than the subscribers' puts every delivery behind the broker.
  const std::vector<std::int64_t> publish_ports = o.integers("publish-ports", {});
  pub.targets = publish_ports.empty() ? common.crowd.targets
                                      : make_targets(o.text("host", "127.0.0.1"), publish_ports);
  pub.api_key = o.required_text("api-key");
  pub.orgs = common.crowd.orgs;
  pub.connections = static_cast<std::size_t>(o.integer("publishers", 4));
  pub.max_batch = static_cast<std::size_t>(o.integer("max-batch", 1000));
  pub.batch_interval_ns = static_cast<std::int64_t>(o.number("batch-ms", 2) * kNsPerMs);
  StepLimits limits;
  limits.p99_limit_ns = static_cast<std::int64_t>(o.number("p99-limit-ms", 50) * kNsPerMs);
  limits.drain_ns = static_cast<std::int64_t>(o.number("drain-s", 3) * kNsPerSec);
  SearchPlan plan;
  plan.fixed_rate = o.number("rate", 0);
  plan.start_rate = o.number("rate-start", 200);
  plan.factor = o.number("rate-factor", 1.3);
  plan.max_steps = static_cast<int>(o.integer("max-steps", 12));
  plan.refine_steps = static_cast<int>(o.integer("refine-steps", 3));
  plan.step_s = o.number("step-s", 5);
  plan.sustain_s = o.number("sustain-s", 15);
  plan.half_s = o.number("half-s", 10);
  const auto timeout_s = o.integer("timeout-s", 60);
  o.reject_unused();
  if (plan.factor <= 1.0) throw std::invalid_argument("--rate-factor must be above 1");
  if (pub.connections == 0) throw std::invalid_argument("--publishers must be at least 1");
  if (pub.connections < pub.targets.size())
    throw std::invalid_argument("--publishers must be at least the number of nodes published to (" +
                                std::to_string(pub.targets.size()) +
                                "), so that each of them receives publishes");
  require_open_files(subscribers + pub.connections);

  EventLoop loop;
  loop.set_poll_sleep_us(common.poll_sleep_us);
  JwtMinter minter(common.jwt_secret);
  SubscriberCrowd crowd(loop, common.crowd, minter);
  if (!open_crowd(crowd, common, "fanout", subscribers, now_ns() + timeout_s * kNsPerSec)) return 1;
  EventPublisher publisher(loop, pub);
  std::vector<ProcessProbe> servers(common.server_pids.begin(), common.server_pids.end());
  FanoutStep step(loop, crowd, publisher, std::move(servers), common.crowd.orgs, limits);
  RateSearch search(step, crowd, timeout_s * kNsPerSec);

  if (plan.fixed_rate > 0) {
    StepResult r = search.measure("fixed", plan.fixed_rate, plan.step_s);
    ResultLine("summary", "fanout")
        .add("rate", r.rate, 0)
        .add("deliveries_per_s", r.deliveries_per_s, 0)
        .add("server_cpu_us_per_delivery", r.server_cpu_us_per_delivery, 2)
        .ms("p50_ms", r.p50_ns)
        .ms("p99_ms", r.p99_ns)
        .add("pass", r.pass ? "yes" : "no")
        .print();
    crowd.abort_all();
    return r.pass ? 0 : 1;
  }

  std::optional<double> best = search.search(plan);
  std::optional<StepResult> sustained = best ? search.sustain(*best, plan) : std::nullopt;
  ResultLine summary("summary", "fanout");
  summary.add("subscribers", subscribers).add("orgs", common.crowd.orgs);
  if (!sustained) {
    summary.add("found", "no").print();
    crowd.abort_all();
    return 1;
  }
  StepResult half = search.measure("half", sustained->rate / 2, plan.half_s);
  summary.add("found", "yes")
      .add("sustained_events_per_s", sustained->rate, 0)
      .add("sustained_deliveries_per_s", sustained->deliveries_per_s, 0)
      .add("server_cpu_us_per_delivery", sustained->server_cpu_us_per_delivery, 2)
      .ms("sustained_p99_ms", sustained->p99_ns)
      .add("half_events_per_s", half.rate, 0)
      .add("half_deliveries_per_s", half.deliveries_per_s, 0)
      .add("half_server_cpu_us_per_delivery", half.server_cpu_us_per_delivery, 2)
      .ms("half_p50_ms", half.p50_ns)
      .ms("half_p99_ms", half.p99_ns)
      .ms("half_max_ms", half.max_ns)
      .add("half_pass", half.pass ? "yes" : "no")
      .print();
  crowd.abort_all();
  return 0;
}

}  // namespace loadgen
