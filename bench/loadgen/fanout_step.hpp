#pragma once
// One measured step of the fan-out scenario: publish at a fixed rate for a while, wait for the
// deliveries to drain, then judge the step: no loss, p99 under the limit, the rate achieved.

#include <cstdint>
#include <string>
#include <vector>

#include "delivery_ledger.hpp"
#include "event_publisher.hpp"
#include "process_probe.hpp"
#include "subscriber_crowd.hpp"

namespace loadgen {

struct StepLimits {
  std::int64_t p99_limit_ns = 50 * 1'000'000LL;
  std::int64_t drain_ns = 3'000'000'000LL;
  double min_achieved = 0.97;  // of the scheduled event rate
};

struct StepResult {
  std::string phase;
  double rate = 0;  // events/s scheduled
  double seconds = 0;
  double events_per_s = 0;      // achieved: events sent within the window / window
  double deliveries_per_s = 0;  // deliveries received / window
  LedgerTotals totals;
  std::size_t dropped_subscribers = 0;
  std::int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
  double server_cpu_us_per_delivery = 0;           // over every server process measured
  double server_cpu_pct = 0, loadgen_cpu_pct = 0;  // of one core
  std::vector<double> server_cpu_pct_per_node;     // with several processes measured
  std::vector<std::uint64_t> events_per_node;      // sent to each node
  std::uint64_t requests = 0, refused = 0;
  double events_per_request = 0;
  std::int64_t reply_p99_ns = 0;
  bool pass = false;
  std::string why;  // what failed, or "ok"
};

class FanoutStep final : private MessageListener {
 public:
  // `servers`: one probe per server process (a node each); their CPU times are summed.
  FanoutStep(EventLoop& loop, SubscriberCrowd& crowd, EventPublisher& publisher,
             std::vector<ProcessProbe> servers, std::uint32_t orgs, StepLimits limits);
  ~FanoutStep();
  StepResult run(const std::string& phase, double rate, double seconds);

 private:
  void on_message(std::uint32_t receiver_org, std::string_view text, std::int64_t now) override;
  std::string verdict(const StepResult& r) const;

  EventLoop& loop_;
  SubscriberCrowd& crowd_;
  EventPublisher& publisher_;
  std::vector<ProcessProbe> servers_;
  std::uint32_t orgs_;
  StepLimits limits_;
  DeliveryLedger ledger_;
  std::uint64_t next_seq_ = 0;
};

void print_step(const StepResult& r);

}  // namespace loadgen
