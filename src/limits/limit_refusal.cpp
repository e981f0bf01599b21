#include "limits/limit_refusal.hpp"

#include <boost/beast/http/status.hpp>

#include "ops/log.hpp"
#include "ops/log_throttle.hpp"
#include "ops/metrics.hpp"

namespace voxgate {

std::string retry_after_seconds(std::chrono::milliseconds wait) {
  auto seconds = (wait.count() + 999) / 1000;
  return std::to_string(seconds < 1 ? 1 : seconds);
}

void note_refusal(const LimitRefusal& refusal, std::string_view client) {
  metrics().limit_refusals.with({refusal.limit}).inc();
  static LogThrottle throttle(std::chrono::seconds(10));
  std::string key = std::string(refusal.limit) + " " + std::string(client);
  std::uint64_t suppressed = 0;
  if (!throttle.allow(key, LogThrottle::Clock::now(), suppressed)) return;
  boost::json::object fields{{"limit", refusal.limit},
                             {"client", client},
                             {"status", refusal.status},
                             {"retryAfterMs", refusal.retry_after.count()},
                             {"message", refusal.message}};
  if (suppressed) fields["suppressed"] = suppressed;
  log::warn("client over a limit", std::move(fields));
}

std::string raw_http_refusal(const LimitRefusal& refusal) {
  auto status = static_cast<boost::beast::http::status>(refusal.status);
  std::string body = refusal.message + "\n";
  return "HTTP/1.1 " + std::to_string(refusal.status) + " " +
         std::string(boost::beast::http::obsolete_reason(status)) +
         "\r\nRetry-After: " + retry_after_seconds(refusal.retry_after) +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace voxgate
