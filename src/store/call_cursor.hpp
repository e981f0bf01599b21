#pragma once
// The opaque cursor of GET /api/calls: where the last call of a page sorts, so the next page
// starts right after it however many calls arrive meanwhile (no offsets that shift).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/call_store.hpp"

namespace voxgate {

struct CallCursor {
  std::int64_t sort_ms = 0;  // the call's started time, else its created time
  std::string call_id;       // breaks ties between calls of the same millisecond
};

std::string encode_call_cursor(const CallCursor& cursor);

// Throws BadCursor for text encode_call_cursor cannot have produced.
CallCursor decode_call_cursor(std::string_view text);

// Where a page of `query` starts and how many calls it holds; nullopt for a zero limit.
struct CallPageBounds {
  CallCursor below;    // the page holds calls sorting strictly below this one
  std::int64_t limit;  // calls on the page; a store reads one more to know if a page follows
};
std::optional<CallPageBounds> call_page_bounds(const CallQuery& query);

}  // namespace voxgate
