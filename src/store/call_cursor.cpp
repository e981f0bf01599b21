#include "store/call_cursor.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "auth/base64url.hpp"
#include "store/call_store.hpp"

namespace voxgate {
namespace {

// Clients must not build cursors: base64url keeps them opaque and safe in a query string.
constexpr char separator = ':';

[[noreturn]] void refuse() {
  throw BadCursor("the cursor is not one this server handed out; ask again without a cursor");
}

}  // namespace

std::string encode_call_cursor(const CallCursor& cursor) {
  return base64url_encode(std::to_string(cursor.sort_ms) + separator + cursor.call_id);
}

CallCursor decode_call_cursor(std::string_view text) {
  const auto plain = base64url_decode(text);
  if (!plain) refuse();
  const auto split = plain->find(separator);
  if (split == std::string::npos || split + 1 == plain->size()) refuse();
  CallCursor cursor;
  const char* end = plain->data() + split;
  const auto [stop, error] = std::from_chars(plain->data(), end, cursor.sort_ms);
  if (error != std::errc{} || stop != end) refuse();
  cursor.call_id = plain->substr(split + 1);
  return cursor;
}

std::optional<CallPageBounds> call_page_bounds(const CallQuery& query) {
  // Below the cursor's call or below to_ms, whichever is lower; no call sorts at the largest
  // int64, and "" sorts before every call id, so (to_ms, "") excludes to_ms itself.
  CallCursor below{std::numeric_limits<std::int64_t>::max(), ""};
  if (!query.cursor.empty()) below = decode_call_cursor(query.cursor);
  if (query.to_ms && *query.to_ms <= below.sort_ms) below = {*query.to_ms, ""};
  if (query.limit == 0) return std::nullopt;
  return CallPageBounds{below, static_cast<std::int64_t>(std::min<std::size_t>(
                                   query.limit, std::numeric_limits<std::int64_t>::max() - 1))};
}

}  // namespace voxgate
