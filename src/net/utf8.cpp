#include "net/utf8.hpp"

#include <cstring>

namespace voxgate {

bool Utf8Validator::feed(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p != end) {
    if (need_ == 0) {
      // ASCII runs are the common case: skip eight bytes at a time.
      while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ull) break;
        p += 8;
      }
      if (p == end) break;
      unsigned char c = *p++;
      if (c < 0x80) continue;
      lower_ = 0x80, upper_ = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need_ = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need_ = 2;
        if (c == 0xE0) lower_ = 0xA0;  // overlong
        if (c == 0xED) upper_ = 0x9F;  // surrogates
      } else if (c >= 0xF0 && c <= 0xF4) {
        need_ = 3;
        if (c == 0xF0) lower_ = 0x90;  // overlong
        if (c == 0xF4) upper_ = 0x8F;  // above U+10FFFF
      } else {
        return false;
      }
      continue;
    }
    unsigned char c = *p++;
    if (c < lower_ || c > upper_) return false;
    lower_ = 0x80, upper_ = 0xBF;
    --need_;
  }
  return true;
}

bool is_valid_utf8(std::string_view bytes) {
  Utf8Validator v;
  return v.feed(bytes) && v.complete();
}

std::string with_valid_utf8(std::string text) {
  if (is_valid_utf8(text)) return text;
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t at = 0;
  while (at < text.size()) {
    // The longest valid sequence starting here (1 to 4 bytes), or none.
    Utf8Validator v;
    std::size_t length = 0;
    for (std::size_t n = 1; n <= 4 && at + n <= text.size(); ++n) {
      if (!v.feed(std::string_view(text).substr(at + n - 1, 1))) break;
      if (v.complete()) {
        length = n;
        break;
      }
    }
    if (length == 0) {
      out += kReplacement;
      ++at;
    } else {
      out.append(text, at, length);
      at += length;
    }
  }
  return out;
}

}  // namespace voxgate
