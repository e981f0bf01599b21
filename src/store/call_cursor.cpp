#include "store/call_cursor.hpp"

#include <charconv>

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

}  // namespace voxgate
