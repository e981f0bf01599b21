#pragma once
// Incremental UTF-8 validation for WebSocket text, which may split a code point across frames.

#include <cstdint>
#include <string>
#include <string_view>

namespace voxgate {

class Utf8Validator {
 public:
  // False once the bytes so far cannot be the start of valid UTF-8 (RFC 3629: no overlongs,
  // no surrogates, nothing above U+10FFFF).
  bool feed(std::string_view bytes);
  // True when the text fed so far ends on a code point boundary.
  bool complete() const { return need_ == 0; }
  void reset() { need_ = 0, lower_ = 0x80, upper_ = 0xBF; }

 private:
  std::uint8_t need_ = 0;                     // continuation bytes still expected
  std::uint8_t lower_ = 0x80, upper_ = 0xBF;  // range allowed for the next continuation byte
};

bool is_valid_utf8(std::string_view bytes);

// `text` with each byte that is not part of valid UTF-8 replaced by U+FFFD; valid text comes
// back as it is.
std::string with_valid_utf8(std::string text);

}  // namespace voxgate
