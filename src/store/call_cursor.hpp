#pragma once
// The opaque cursor of GET /api/calls: where the last call of a page sorts, so the next page
// starts right after it however many calls arrive meanwhile (no offsets that shift).

#include <cstdint>
#include <string>
#include <string_view>

namespace voxgate {

struct CallCursor {
  std::int64_t sort_ms = 0;  // the call's started time, else its created time
  std::string call_id;       // breaks ties between calls of the same millisecond
};

std::string encode_call_cursor(const CallCursor& cursor);

// Throws BadCursor for text encode_call_cursor cannot have produced.
CallCursor decode_call_cursor(std::string_view text);

}  // namespace voxgate
