// What a refused client and a puzzled operator read about an origin decision.

#include <optional>
#include <string>
#include <string_view>

#include "policy/origin_policy.hpp"

namespace voxgate {
namespace {

constexpr std::string_view kWhereToAdd = "add it to FRONTEND_URL, CORS_ORIGIN or [origins].allow";
constexpr std::size_t kMaxShownBytes = 256;

// The origin is hostile input: echo it quoted, printable ASCII only and bounded.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == kMaxShownBytes) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += static_cast<char>(byte);
    } else if (byte < 0x20 || byte >= 0x7f) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += static_cast<char>(byte);
    }
  }
  return out + "\"";
}

// "origin: "HTTPS://A.com:443" compared as https://a.com" for the CLI.
std::string origin_line(std::string_view origin) {
  std::string line = "origin: " + quoted(origin);
  if (auto parsed = parse_origin(origin); parsed && parsed->canonical() != origin) {
    line += " compared as " + parsed->canonical();
  }
  return line + "\n";
}

// For "https://a.com/" pasted from an address bar: the origin a browser would send instead.
std::optional<std::string> origin_without_trailer(std::string_view text) {
  const auto separator = text.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  const auto cut = text.find_first_of("/?#", separator + 3);
  if (cut == std::string_view::npos) return std::nullopt;
  auto parsed = parse_origin(text.substr(0, cut));
  if (!parsed) return std::nullopt;
  return parsed->canonical();
}

}  // namespace

std::string OriginPolicy::rejection_body(std::optional<std::string_view> origin,
                                         const OriginDecision& decision) {
  const std::string shown = quoted(origin.value_or(""));
  switch (decision.reason) {
    case OriginDecision::Reason::not_listed: {
      std::string body = "origin " + shown + " is not allowed; " + std::string(kWhereToAdd);
      if (!decision.suggestion.empty()) body += " (did you mean " + decision.suggestion + "?)";
      return body;
    }
    case OriginDecision::Reason::malformed:
      return "origin " + shown + " is malformed (" + decision.detail +
             "); browsers send scheme://host[:port]";
    case OriginDecision::Reason::missing_refused:
      return "requests without an Origin header are refused; set [origins].allow_missing = true "
             "to allow them";
    case OriginDecision::Reason::matched:
    case OriginDecision::Reason::missing_allowed:
      break;
  }
  return {};
}

std::string explain_decision(std::optional<std::string_view> origin,
                             const OriginDecision& decision) {
  const std::string_view text = origin.value_or("");
  switch (decision.reason) {
    case OriginDecision::Reason::matched:
      return "allowed: matched entry " + quoted(decision.entry) + " from " + decision.source +
             "\n" + origin_line(text);
    case OriginDecision::Reason::missing_allowed:
      return "allowed: no Origin header (a non-browser client) and [origins].allow_missing = "
             "true\n";
    case OriginDecision::Reason::missing_refused:
      return "denied: no Origin header and [origins].allow_missing = false\n"
             "fix: set [origins].allow_missing = true to allow clients that send no Origin\n";
    case OriginDecision::Reason::malformed: {
      std::string out = "denied: malformed: " + decision.detail + "\n" + origin_line(text) +
                        "fix: browsers send scheme://host[:port], e.g. https://voxanne.ai\n";
      if (auto fixed = origin_without_trailer(text)) out += "try: " + *fixed + "\n";
      return out;
    }
    case OriginDecision::Reason::not_listed: {
      std::string out = "denied: not listed";
      if (!decision.suggestion.empty()) out += "; did you mean " + decision.suggestion + "?";
      return out + "\n" + origin_line(text) + "fix: " + std::string(kWhereToAdd) + "\n";
    }
  }
  return "denied: unknown reason\n";
}

}  // namespace voxgate
