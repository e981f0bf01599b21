// The allow-list: parsing entries, matching origins, and naming the nearest entry on a miss.

#include "policy/origin_policy.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ops/text.hpp"

namespace voxgate {
namespace {

bool is_web_scheme(std::string_view scheme) {
  return scheme == "http" || scheme == "https";
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

std::string_view without_www(std::string_view host) {
  return host.starts_with("www.") ? host.substr(4) : host;
}

// Levenshtein distance with two rows; callers bound the lengths.
}  // namespace

std::string_view OriginDecision::reason_name() const {
  switch (reason) {
    case Reason::matched:
      return "matched";
    case Reason::missing_allowed:
      return "missing_allowed";
    case Reason::missing_refused:
      return "missing_refused";
    case Reason::malformed:
      return "malformed";
    case Reason::not_listed:
      return "not_listed";
  }
  return "unknown";
}

bool OriginPolicy::Pattern::matches(const ParsedOrigin& origin) const {
  if (kind == Kind::null_literal) return origin.is_null;
  if (origin.is_null || origin.scheme != scheme) return false;
  if (!any_port && origin.port != port) return false;
  if (kind == Kind::exact) return origin.host == host;
  // A label boundary is required, so "*.voxanne.ai" never matches "evilvoxanne.ai".
  return origin.host.size() > host.size() + 1 && origin.host.ends_with(host) &&
         origin.host[origin.host.size() - host.size() - 1] == '.';
}

std::string OriginPolicy::Pattern::display() const {
  if (kind == Kind::null_literal) return "null";
  std::string out = ParsedOrigin{scheme, host, port}.canonical();
  if (kind == Kind::any_subdomain) out.insert(scheme.size() + 3, "*.");
  if (any_port) out += ":*";  // parse_pattern refuses an explicit port next to ":*"
  return out;
}

std::optional<OriginPolicy::Pattern> OriginPolicy::parse_pattern(const OriginEntry& entry,
                                                                 std::string* why) {
  auto reject = [why](std::string reason) -> std::optional<Pattern> {
    *why = std::move(reason);
    return std::nullopt;
  };
  std::string_view text = trim(entry.text);
  if (text.empty()) return reject("is empty");
  // FRONTEND_URL is often pasted as a URL with a trailing slash; browsers never send one.
  // Dropped first, so "null/" is the null entry and not an origin without scheme or host.
  if (text.ends_with('/') && !text.ends_with("//")) text.remove_suffix(1);
  Pattern pattern;
  pattern.entry = entry;
  if (iequals(text, "null")) {
    pattern.kind = Pattern::Kind::null_literal;
    return pattern;
  }
  if (text == "*") return reject("a bare \"*\" would allow every site; list the origins");

  std::string origin(text);
  const auto separator = origin.find("://");
  if (separator != std::string::npos && origin.compare(separator + 3, 2, "*.") == 0) {
    pattern.kind = Pattern::Kind::any_subdomain;
    origin.erase(separator + 3, 2);
  }
  if (origin.ends_with(":*")) {
    pattern.any_port = true;
    origin.resize(origin.size() - 2);
  }
  if (origin.find('*') != std::string::npos) {
    return reject(
        "\"*\" may only stand for subdomains (https://*.example.com) or the port "
        "(http://localhost:*)");
  }
  std::string problem;
  const auto parsed = parse_origin(origin, &problem);
  if (!parsed) return reject(problem);
  if (parsed->scheme == "ws" || parsed->scheme == "wss") {
    return reject("list the web page's origin (http:// or https://), not the WebSocket URL");
  }
  const bool wildcard = pattern.kind == Pattern::Kind::any_subdomain || pattern.any_port;
  if (wildcard && !is_web_scheme(parsed->scheme)) {
    return reject("wildcards are only supported for http and https");
  }
  if (pattern.kind == Pattern::Kind::any_subdomain && parsed->host.front() == '[') {
    return reject("\"*.\" needs a domain name, not an IP address");
  }
  if (pattern.any_port) {
    const auto authority = std::string_view(origin).substr(separator + 3);
    if (authority.back() != ']' && authority.find(':') != std::string_view::npos) {
      return reject("has both a port and \":*\"");
    }
  }
  pattern.scheme = parsed->scheme;
  pattern.host = parsed->host;
  pattern.port = parsed->port;
  return pattern;
}

OriginPolicy::OriginPolicy(const std::vector<OriginEntry>& entries, bool allow_missing,
                           std::vector<std::string>* errors)
    : allow_missing_(allow_missing) {
  for (const auto& entry : entries) {
    std::string why;
    auto pattern = parse_pattern(entry, &why);
    if (!pattern) {
      if (errors) errors->push_back(entry.source + ": \"" + entry.text + "\": " + why);
      continue;
    }
    const std::size_t index = entries_.size();
    if (pattern->kind == Pattern::Kind::any_subdomain || pattern->any_port) {
      wildcards_.push_back(index);
    } else {
      exact_.emplace(pattern->display(), index);  // emplace keeps the first of duplicates
    }
    entries_.push_back(std::move(*pattern));
  }
}

OriginDecision OriginPolicy::decide(std::optional<std::string_view> origin) const {
  OriginDecision decision;
  if (!origin) {
    decision.allowed = allow_missing_;
    decision.reason = allow_missing_ ? OriginDecision::Reason::missing_allowed
                                     : OriginDecision::Reason::missing_refused;
    return decision;
  }
  std::string why;
  const auto parsed = parse_origin(*origin, &why);
  if (!parsed) {
    decision.reason = OriginDecision::Reason::malformed;
    decision.detail = std::move(why);
    return decision;
  }

  // The first matching entry in list order decides, so a log names the entry the user expects.
  std::size_t winner = entries_.size();
  if (auto it = exact_.find(parsed->canonical()); it != exact_.end()) winner = it->second;
  for (std::size_t index : wildcards_) {
    if (index >= winner) break;
    if (entries_[index].matches(*parsed)) {
      winner = index;
      break;
    }
  }
  if (winner < entries_.size()) {
    decision.allowed = true;
    decision.reason = OriginDecision::Reason::matched;
    decision.entry = entries_[winner].entry.text;
    decision.source = entries_[winner].entry.source;
    return decision;
  }
  decision.reason = OriginDecision::Reason::not_listed;
  decision.suggestion = nearest_entry(*parsed);
  return decision;
}

// Ranks: the same site but for "www." (1); the same host, or a "*." entry covering it, with
// another scheme or port (2); the bare domain of a "*." entry, or "www." and another scheme or
// port (3); a near typo of the whole origin (4 + edits).
std::string OriginPolicy::nearest_entry(const ParsedOrigin& origin) const {
  if (origin.is_null) return {};
  const std::string wanted = origin.canonical();
  std::size_t best_rank = std::numeric_limits<std::size_t>::max();
  std::string best;
  for (const auto& pattern : entries_) {
    if (pattern.kind == Pattern::Kind::null_literal) continue;
    const bool same_scheme_and_port =
        pattern.scheme == origin.scheme && (pattern.any_port || pattern.port == origin.port);
    std::size_t rank = std::numeric_limits<std::size_t>::max();
    if (pattern.kind == Pattern::Kind::any_subdomain) {
      if (origin.host.ends_with("." + pattern.host)) rank = 2;
      if (origin.host == pattern.host) rank = 3;
    } else if (origin.host == pattern.host) {
      rank = 2;
    } else if (without_www(pattern.host) == without_www(origin.host)) {
      rank = same_scheme_and_port ? 1 : 3;
    }
    const std::string shown = pattern.display();
    if (rank > 3) {
      const std::size_t gap = shown.size() > wanted.size() ? shown.size() - wanted.size()
                                                           : wanted.size() - shown.size();
      if (gap <= 3) {
        const std::size_t distance = edit_distance(wanted, shown);
        // At most three edits and a fifth of the text: "voxane.ai" yes, "evil.com" no.
        if (distance <= 3 && distance * 5 <= wanted.size()) rank = 4 + distance;
      }
    }
    if (rank < best_rank) {
      best_rank = rank;
      best = shown;
    }
  }
  return best;
}

}  // namespace voxgate
