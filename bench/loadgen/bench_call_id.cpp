#include "bench_call_id.hpp"

#include <charconv>
#include <cstdio>

namespace loadgen {
namespace {

constexpr std::string_view kField = R"("vapiCallId":")";
constexpr std::size_t kIdLength = 36;

template <class T>
bool hex_at(std::string_view id, std::size_t at, std::size_t digits, T& out) {
  auto [end, ec] = std::from_chars(id.data() + at, id.data() + at + digits, out, 16);
  return ec == std::errc() && end == id.data() + at + digits;
}

}  // namespace

std::string format_call_id(std::uint32_t run_id, const CallRef& call) {
  char id[kIdLength + 1];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-8%03x-%012llx", call.org, call.slot & 0xffff,
                (run_id >> 12) & 0xfff, run_id & 0xfff,
                static_cast<unsigned long long>(call.number & 0xffffffffffffULL));
  return id;
}

std::optional<CallRef> find_call_ref(std::string_view delivered, std::uint32_t run_id) {
  std::size_t at = delivered.find(kField);
  if (at == std::string_view::npos || delivered.size() < at + kField.size() + kIdLength)
    return std::nullopt;
  std::string_view id = delivered.substr(at + kField.size(), kIdLength);
  CallRef ref;
  std::uint32_t run_high = 0, run_low = 0;
  if (id[8] != '-' || id[13] != '-' || id[14] != '4' || id[18] != '-' || id[19] != '8' ||
      id[23] != '-' || !hex_at(id, 0, 8, ref.org) || !hex_at(id, 9, 4, ref.slot) ||
      !hex_at(id, 15, 3, run_high) || !hex_at(id, 20, 3, run_low) ||
      !hex_at(id, 24, 12, ref.number))
    return std::nullopt;
  if ((run_high << 12 | run_low) != (run_id & 0xffffff)) return std::nullopt;
  return ref;
}

}  // namespace loadgen
