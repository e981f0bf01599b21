// Origin headers and allow-list entries come from browsers and operators: parse, match, explain.
//
// Input: lines. Every line but the last is an allow-list entry; the last line is the Origin
// header, absent when the input ends with a newline. An odd number of entries allows requests
// without an Origin.

#include <boost/beast/http/fields.hpp>

#include "fuzz_support.hpp"
#include "ops/text.hpp"
#include "policy/cors.hpp"
#include "policy/origin_policy.hpp"

namespace {

using namespace voxgate;
namespace http = boost::beast::http;

constexpr std::size_t kMaxEntries = 16;

bool printable_ascii(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\n') || byte >= 0x7f) return false;
  }
  return true;
}

// A canonical origin parses again to itself: the exact-match table relies on one spelling.
void check_canonical_round_trip(std::string_view origin) {
  const auto parsed = parse_origin(origin);
  if (!parsed) return;
  const std::string canonical = parsed->canonical();
  const auto again = parse_origin(canonical);
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->canonical() == canonical);
  FUZZ_CHECK(again->port == parsed->port);
}

// An entry without wildcards allows the origin it spells (less a pasted trailing "/").
void check_entry_allows_itself(const OriginPolicy& policy, std::string_view entry, bool accepted) {
  std::string_view text = trim(entry);
  if (!accepted || text.find('*') != std::string_view::npos) return;
  if (text.ends_with('/') && !text.ends_with("//")) text.remove_suffix(1);
  const std::string origin = to_lower(text) == "null" ? "null" : std::string(text);
  FUZZ_CHECK(policy.decide(origin).allowed);
}

void check_cors(std::optional<std::string_view> origin, const OriginDecision& decision) {
  http::fields res;
  cors::add_preflight_headers(res, origin, decision);
  const bool cross_origin = origin && decision.allowed;
  FUZZ_CHECK((res.find(http::field::access_control_allow_origin) != res.end()) == cross_origin);
  if (cross_origin) FUZZ_CHECK(res[http::field::access_control_allow_origin] == *origin);
  FUZZ_CHECK(res[http::field::vary] == "Origin");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto lines = fuzz::split(fuzz::as_text(data, size), '\n');
  std::optional<std::string_view> origin = lines.back();
  if (origin->empty() && size > 0 && data[size - 1] == '\n') origin.reset();
  lines.pop_back();
  if (lines.size() > kMaxEntries) return -1;

  std::vector<OriginEntry> entries;
  for (std::size_t i = 0; i < lines.size(); ++i)
    entries.push_back({std::string(lines[i]), i % 2 ? "FRONTEND_URL" : "[origins].allow"});
  std::vector<std::string> errors;
  const OriginPolicy policy(entries, lines.size() % 2 == 1, &errors);
  FUZZ_CHECK(policy.size() + errors.size() == entries.size());

  const OriginDecision decision = policy.decide(origin);
  FUZZ_CHECK(decision.allowed == (decision.reason == OriginDecision::Reason::matched ||
                                  decision.reason == OriginDecision::Reason::missing_allowed));
  if (decision.reason == OriginDecision::Reason::matched) FUZZ_CHECK(parse_origin(*origin));

  // What a refused browser and the operator read is one bounded, printable line or block.
  const std::string body = OriginPolicy::rejection_body(origin, decision);
  FUZZ_CHECK(body.empty() == decision.allowed);
  FUZZ_CHECK(printable_ascii(body) && body.find('\n') == std::string::npos);
  const std::string explanation = explain_decision(origin, decision);
  FUZZ_CHECK(explanation.starts_with(decision.allowed ? "allowed: " : "denied: "));
  FUZZ_CHECK(printable_ascii(explanation));
  FUZZ_CHECK(decision.reason_name() != "unknown");

  check_cors(origin, decision);
  if (origin) check_canonical_round_trip(*origin);
  // Entries in turn: the first lines of the input are the likeliest origins to be well-formed.
  std::size_t accepted_before = 0;
  for (const auto& entry : entries) {
    std::string why;
    const OriginPolicy single({entry}, false, nullptr);
    check_entry_allows_itself(single, entry.text, !single.empty());
    check_canonical_round_trip(entry.text);
    accepted_before += single.size();
  }
  FUZZ_CHECK(accepted_before == policy.size());
  return 0;
}
