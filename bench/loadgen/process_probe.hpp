#pragma once
// Readings of the voxgate process from /proc: CPU time (utime + stime) and resident memory.

#include <cstdint>
#include <optional>

namespace loadgen {

class ProcessProbe {
 public:
  explicit ProcessProbe(int pid) : pid_(pid) {}
  bool enabled() const { return pid_ > 0; }
  // User plus system CPU time so far, in microseconds (clock-tick resolution).
  std::optional<std::int64_t> cpu_us() const;
  // VmRSS in KiB.
  std::optional<std::int64_t> rss_kib() const;

 private:
  int pid_;
};

// This process's own CPU time in microseconds, to show how loaded the client was.
std::int64_t self_cpu_us();

}  // namespace loadgen
