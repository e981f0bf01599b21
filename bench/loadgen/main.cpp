// voxgate_loadgen: the load generator for the live-calls and webhook benchmarks
// (docs/benchmarks.md).
// A single-threaded epoll client with its own WebSocket, HTTP and JWT code, so it measures
// voxgate from the outside and stays light next to it on a small machine.
#include <csignal>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "scenarios.hpp"

namespace {

constexpr const char* kUsage =
    R"(usage: voxgate_loadgen <scenario> --port P --jwt-secret S [options]

scenarios:
  connect-rate   (a) connect + upgrade + subscribe + `subscribed` reply, per second
                 --connections 10000 --rounds 3 --pause-ms 2000
  fanout         (b) events through POST /api/events to subscribers spread over orgs
                 --subscribers 10000 --api-key K --publishers 4 --batch-ms 2 --max-batch 1000
                 search: --rate-start 200 --rate-factor 1.3 --max-steps 12 --refine-steps 3
                         --step-s 5 --sustain-s 15 --half-s 10 --drain-s 3 --p99-limit-ms 50
                 or one fixed step: --rate R --step-s 5
                 several nodes: --ports P1,P2 (instead of --port; subscriber n of each org
                 and publish connection n go to node n % nodes) --pids Q1,Q2 (CPU summed)
                 --publish-ports P3,P4 (publish there instead, e.g. every delivery remote)
  idle-memory    (c) server VmRSS growth per idle subscribed connection (needs --pid)
                 --connections 10000,19000 --settle-ms 3000
  webhooks       signed Vapi server messages (status-update, partial and final transcripts,
                 end-of-call-report, 2 % repeated deliveries) of many concurrent calls through
                 POST /api/webhooks/vapi, fixed-rate steps; answer latency, CPU per message
                 --webhook-secret S --rate 250,500,1000 (messages/s, one step each) --step-s 10
                 --warmup-s 3 --drain-s 3 --pause-ms 1000 --connections 32 --calls 1000
                 --utterances 8 --partials 2 --repeat-pct 2
                 --subscribers 0 (live-calls subscribers over --orgs, deliveries counted)

common: --host 127.0.0.1 --port P --path /ws/live-calls --orgs 100 --concurrency 500
        --jwt-secret S --pid <voxgate pid, for CPU and memory readings> --timeout-s 60
        --poll-sleep-us 0 (above 0: poll and sleep instead of blocking in epoll_wait, so the
        server's sends do not pay for waking this process, as with a remote client)

Results go to stdout, one "result scenario=... key=value ..." line per measurement and a
final "summary ..." line; progress and errors go to stderr.
)";

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error code, not a kill
  try {
    loadgen::Options options(argc, argv);
    const std::string& scenario = options.scenario();
    if (scenario == "connect-rate") return loadgen::run_connect_rate(options);
    if (scenario == "fanout") return loadgen::run_fanout(options);
    if (scenario == "idle-memory") return loadgen::run_idle_memory(options);
    if (scenario == "webhooks") return loadgen::run_webhooks(options);
    std::fputs(kUsage, scenario == "help" || scenario == "--help" ? stdout : stderr);
    return scenario == "help" || scenario == "--help" ? 0 : 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "voxgate_loadgen: %s\n\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxgate_loadgen: %s\n", e.what());
    return 1;
  }
}
