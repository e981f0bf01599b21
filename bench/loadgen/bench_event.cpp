#include "bench_event.hpp"

#include <charconv>

namespace loadgen {
namespace {

constexpr std::string_view kTextMarker = R"("text":"lg )";
// About the size of a final transcript line the dashboard receives.
constexpr std::string_view kPhrase = " I'd like to move my appointment to Thursday afternoon";

template <class T>
void append_number(std::string& out, T value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

}  // namespace

std::string org_name(std::uint32_t org) {
  return "org-" + std::to_string(org);
}

void append_bench_event(std::string& body, std::uint64_t seq, std::uint32_t orgs,
                        std::int64_t sent_ns, std::int64_t unix_ms) {
  std::uint32_t org = static_cast<std::uint32_t>(seq % orgs);
  body += R"({"orgId":"org-)";
  append_number(body, org);
  body += R"(","event":{"type":"transcript","vapiCallId":"bench-call-)";
  append_number(body, org);
  body += R"(","speaker":"customer",)";
  body += kTextMarker;
  append_number(body, seq);
  body += ' ';
  append_number(body, sent_ns);
  body += kPhrase;
  body += R"(","is_final":true,"ts":)";
  append_number(body, unix_ms);
  body += "}}";
}

bool read_bench_stamp(std::string_view delivered, EventStamp& out) {
  std::size_t at = delivered.find(kTextMarker);
  if (at == std::string_view::npos) return false;
  const char* p = delivered.data() + at + kTextMarker.size();
  const char* end = delivered.data() + delivered.size();
  auto seq = std::from_chars(p, end, out.seq);
  if (seq.ec != std::errc() || seq.ptr == end || *seq.ptr != ' ') return false;
  auto sent = std::from_chars(seq.ptr + 1, end, out.sent_ns);
  return sent.ec == std::errc();
}

}  // namespace loadgen
