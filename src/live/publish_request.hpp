#pragma once
// POST /api/events bodies (protocol section 3): one envelope or an array of them.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "store/event_store.hpp"

namespace voxgate {

struct PublishRejection {
  int status;           // 400 or 413
  std::string message;  // names the bad field, e.g. "[2].event.status: must be one of ..."
};

// Validates every envelope and returns the events to store, or the first problem found.
// `now_ms` fills a transcript's missing `ts`.
std::variant<std::vector<NewEvent>, PublishRejection> parse_publish_body(
    std::string_view body, const PublishConfig& limits, std::int64_t now_ms);

}  // namespace voxgate
