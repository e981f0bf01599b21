#include "store/event_store.hpp"

#include <charconv>

namespace voxgate {

std::string StoredEvent::id() const {
  return std::to_string(seq);
}

std::optional<std::uint64_t> parse_event_id(std::string_view text) {
  std::uint64_t seq = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return seq;
}

}  // namespace voxgate
