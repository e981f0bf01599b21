#pragma once
// Vapi call ids of the webhook benchmark: UUID-shaped, unique per run, and carrying what a
// receiver needs to account for a delivered event without any lookup:
//   OOOOOOOO-SSSS-4RRR-8RRR-NNNNNNNNNNNN
// org (8 hex), the sender's call slot (4 hex), a random run id (2 x 3 hex), call number (12 hex).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadgen {

struct CallRef {
  std::uint32_t org = 0;
  std::uint32_t slot = 0;  // below 65536
  std::uint64_t number = 0;
};

std::string format_call_id(std::uint32_t run_id, const CallRef& call);

// The call of a delivered live event ("vapiCallId":"…"), when it is one of this run's.
std::optional<CallRef> find_call_ref(std::string_view delivered, std::uint32_t run_id);

}  // namespace loadgen
