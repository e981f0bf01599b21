#pragma once
// What a per-client limit tells the client it turned away, and how the refusal is counted.

#include <chrono>
#include <string>
#include <string_view>

namespace voxgate {

struct LimitRefusal {
  std::string_view limit;  // the option under [limits], also the metric's label
  int status = 429;        // the HTTP answer: 429, or 503 while the client holds too much open
  std::string message;     // which limit, its value, and what to do
  std::chrono::milliseconds retry_after{1000};
};

// Retry-After: whole seconds, at least 1.
std::string retry_after_seconds(std::chrono::milliseconds wait);

// Counts it in voxgate_limit_refusals_total and logs it once per limit and client per 10 s.
void note_refusal(const LimitRefusal& refusal, std::string_view client);

// The whole HTTP answer written to a socket refused before any request was read.
std::string raw_http_refusal(const LimitRefusal& refusal);

}  // namespace voxgate
