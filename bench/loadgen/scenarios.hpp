#pragma once
// The scenarios of docs/benchmarks.md (the three live-calls ones, and Vapi webhooks); each
// returns the process exit status.

#include <vector>

#include "options.hpp"
#include "subscriber_crowd.hpp"

namespace loadgen {

int run_connect_rate(const Options& options);  // (a) subscribed connections per second
int run_fanout(const Options& options);        // (b) deliveries per second, CPU, latency
int run_idle_memory(const Options& options);   // (c) server memory per idle subscriber
int run_webhooks(const Options& options);      // Vapi webhooks: answer latency, CPU, fan-out

// Options every scenario shares: where the server is, how to sign tokens, its pid.
struct CommonSettings {
  CrowdSettings crowd;  // crowd.targets: the server, or each node of --ports
  std::string jwt_secret;
  std::vector<int> server_pids;  // --pid, or each node's of --pids; 0: not measured
  int poll_sleep_us = 0;         // see EventLoop::set_poll_sleep_us
  int server_pid() const { return server_pids.front(); }
};
// `several_nodes`: the scenario may spread over several servers, named by --ports P1,P2,...
// and --pids Q1,Q2,... instead of --port and --pid; other scenarios refuse those options.
CommonSettings read_common(const Options& options, bool several_nodes = false);

// Fails early when this process may not hold `sockets` descriptors.
void require_open_files(std::size_t sockets);

// Serves sockets (pongs, closes) for `ms` milliseconds.
void idle_for(EventLoop& loop, std::int64_t ms);

// Reports subscriber failures and drops, one line each, on stderr.
void note_endings(const SubscriberCrowd& crowd);

// Opens `subscribers` connections of the crowd, prints the scenario's "phase=connect" result
// line, and says whether every one subscribed (after noting the endings when not).
bool open_crowd(SubscriberCrowd& crowd, const CommonSettings& common, const char* scenario,
                std::size_t subscribers, std::int64_t deadline_ns);

}  // namespace loadgen
