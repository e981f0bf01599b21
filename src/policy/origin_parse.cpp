// Strict parsing of Origin header values: "scheme://host[:port]" or "null" (RFC 6454 section 6).

#include <boost/url/ipv6_address.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ops/text.hpp"
#include "policy/origin_policy.hpp"

namespace voxgate {
namespace {

// Bounds the work and the log lines a hostile header can cause; real origins are far shorter.
constexpr std::size_t kMaxOriginLength = 255;

int default_port(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return 0;  // other schemes have no default we know of, so an absent port stays 0
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool valid_scheme(std::string_view scheme) {
  if (scheme.empty() || !is_alpha(scheme.front())) return false;
  for (char c : scheme) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// Returns why a registered-name host is unacceptable, or an empty string.
std::string host_problem(std::string_view host) {
  if (host.empty()) return "has an empty host";
  for (char c : host) {
    // Underscores occur in real intranet host names and browsers accept them.
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_') {
      return std::string("has an invalid host character '") + c + "'";
    }
  }
  if (host.front() == '.' || host.find("..") != std::string_view::npos) {
    return "has an empty label in the host";
  }
  return {};
}

// Returns why a port is unacceptable, or an empty string; sets `port` on success.
std::string port_problem(std::string_view text, int& port) {
  if (text.empty()) return "has an empty port";
  for (char c : text) {
    if (!is_digit(c)) return "has a non-numeric port";
  }
  if (text.size() > 5) return "has a port outside 1-65535";
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value < 1 || value > 65535) return "has a port outside 1-65535";
  port = value;
  return {};
}

std::string trailer_problem(std::string_view trailer) {
  if (trailer == "/") return "has a trailing \"/\"";
  switch (trailer.front()) {
    case '?':
      return "has a query";
    case '#':
      return "has a fragment";
    default:
      return "has a path";
  }
}

}  // namespace

std::string ParsedOrigin::canonical() const {
  if (is_null) return "null";
  std::string out = scheme + "://" + host;
  if (port != 0 && port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::optional<ParsedOrigin> parse_origin(std::string_view text, std::string* why) {
  auto reject = [why](std::string reason) -> std::optional<ParsedOrigin> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (text.empty()) return reject("is empty");
  if (text.size() > kMaxOriginLength) return reject("is longer than 255 characters");
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return reject("contains whitespace or control characters");
    if (byte >= 0x80) return reject("contains non-ASCII characters (browsers send punycode)");
  }

  ParsedOrigin out;
  if (text == "null") {
    out.is_null = true;
    return out;
  }

  const auto separator = text.find("://");
  if (separator == std::string_view::npos) return reject("is not scheme://host[:port]");
  if (!valid_scheme(text.substr(0, separator))) return reject("has an invalid scheme");
  out.scheme = to_lower(text.substr(0, separator));

  const auto rest = text.substr(separator + 3);
  const auto trailer_at = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, trailer_at);
  if (authority.find('@') != std::string_view::npos) return reject("has userinfo");

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return reject("has an unterminated IPv6 literal");
    auto address = boost::urls::parse_ipv6_address(authority.substr(1, close - 1));
    if (!address) return reject("has an invalid IPv6 literal");
    out.host = "[" + address->to_string() + "]";  // one spelling per address, e.g. [::1]
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return reject("has text after the IPv6 literal");
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    if (auto problem = host_problem(host); !problem.empty()) return reject(problem);
    out.host = to_lower(host);
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
  }

  out.port = default_port(out.scheme);
  if (has_port) {
    if (auto problem = port_problem(port_text, out.port); !problem.empty()) return reject(problem);
  }
  if (trailer_at != std::string_view::npos) return reject(trailer_problem(rest.substr(trailer_at)));
  return out;
}

}  // namespace voxgate
