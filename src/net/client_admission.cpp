#include "net/client_admission.hpp"

#include "ops/metrics.hpp"

namespace voxgate {

namespace {
// Nobody knows when one of the client's connections will close; a few seconds is a fair guess.
constexpr std::chrono::milliseconds kRetryWhenFull{5000};

LimitRefusal refused(LimitRefusal refusal, const std::string& client) {
  metrics().connections_rejected.with({refusal.limit}).inc();
  note_refusal(refusal, client);
  return refusal;
}

}  // namespace

std::variant<KeyedCounter::Slot, LimitRefusal> admit_client(ServerContext& ctx,
                                                            const std::string& client,
                                                            const LimitsConfig& limits,
                                                            SteadyTime now) {
  auto slot = ctx.connections_by_client.acquire(client, limits.connections_per_ip);
  if (!slot)
    return refused({"connections_per_ip", 503,
                    "this address has " + std::to_string(limits.connections_per_ip) +
                        " connections open, the most [limits].connections_per_ip allows; "
                        "close some or raise it",
                    kRetryWhenFull},
                   client);
  double rate = static_cast<double>(limits.connection_rate_per_ip);
  std::chrono::milliseconds wait{};
  if (!ctx.new_connections_by_client.take(client, Rate{rate, 2 * rate}, now, wait))
    return refused({"connection_rate_per_ip", 429,
                    "this address opens connections faster than " +
                        std::to_string(limits.connection_rate_per_ip) +
                        " a second, the most [limits].connection_rate_per_ip allows; "
                        "reconnect with a backoff",
                    wait},
                   client);
  return std::move(*slot);
}

}  // namespace voxgate
