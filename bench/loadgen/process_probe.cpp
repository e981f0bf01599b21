#include "process_probe.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace loadgen {
namespace {

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::optional<std::int64_t> ProcessProbe::cpu_us() const {
  if (!enabled()) return std::nullopt;
  auto stat = slurp("/proc/" + std::to_string(pid_) + "/stat");
  if (!stat) return std::nullopt;
  // Fields after the command name, which may itself hold spaces and parentheses.
  std::size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt (fields 3-13)
  long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  return (utime + stime) * 1'000'000 / sysconf(_SC_CLK_TCK);
}

std::optional<std::int64_t> ProcessProbe::rss_kib() const {
  if (!enabled()) return std::nullopt;
  auto status = slurp("/proc/" + std::to_string(pid_) + "/status");
  if (!status) return std::nullopt;
  std::size_t at = status->find("\nVmRSS:");
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(status->substr(at + 7));
}

std::int64_t self_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return std::int64_t{t.tv_sec} * 1'000'000 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

}  // namespace loadgen
