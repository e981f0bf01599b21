#pragma once
// The one origin policy: CORS and WebSocket upgrades both ask it (protocol section 1).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"

namespace voxgate {

// A browser origin reduced to its comparable parts: lower-case scheme and host, explicit port.
struct ParsedOrigin {
  std::string scheme;  // lower-case; any scheme parses, only listed ones match (no wildcards)
  std::string host;    // lower-case; IPv6 literals keep their brackets, in RFC 5952 form
  int port = 0;        // the scheme's default (http 80, https 443, others 0) when none was written
  bool is_null = false;  // the literal "null"

  std::string canonical() const;  // "https://a.com", "http://h:8080", "null"
};

// Parses an Origin header value strictly: "scheme://host[:port]" or "null"; nothing else.
// On failure returns nullopt and says why in `why` (e.g. "has a path", "has userinfo").
std::optional<ParsedOrigin> parse_origin(std::string_view text, std::string* why = nullptr);

struct OriginDecision {
  enum class Reason {
    matched,          // an entry allowed it; `entry`/`source` name it
    missing_allowed,  // no Origin header and [origins].allow_missing = true
    missing_refused,  // no Origin header and allow_missing = false
    malformed,        // not scheme://host[:port]; `detail` says why
    not_listed,       // well-formed, no entry matched; `suggestion` may name the nearest entry
  };
  bool allowed = false;
  Reason reason = Reason::not_listed;
  std::string entry;       // the entry that decided, as written
  std::string source;      // where that entry came from
  std::string detail;      // why malformed
  std::string suggestion;  // nearest listed entry ("did you mean ...?"), may be empty

  std::string_view reason_name() const;  // "matched", "missing_allowed", ... for logs and metrics
};

class OriginPolicy {
 public:
  // Builds from entries; an entry that is not a valid origin or pattern is skipped and reported
  // in `errors` as "<source>: \"<text>\": <why>".
  OriginPolicy(const std::vector<OriginEntry>& entries, bool allow_missing,
               std::vector<std::string>* errors = nullptr);

  // `origin` is nullopt when the request has no Origin header.
  OriginDecision decide(std::optional<std::string_view> origin) const;

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // The one-line 403 body for a refused upgrade: names the origin and how to allow it.
  // Empty for an allowed decision. Control and non-ASCII bytes of the origin are escaped.
  static std::string rejection_body(std::optional<std::string_view> origin,
                                    const OriginDecision& decision);

 private:
  struct Pattern {
    enum class Kind { exact, any_subdomain, null_literal } kind = Kind::exact;
    std::string scheme;
    std::string host;       // for any_subdomain: the suffix without "*." (e.g. "voxanne.ai")
    int port = 0;           // the scheme's default when none was written
    bool any_port = false;  // "host:*"
    OriginEntry entry;

    bool matches(const ParsedOrigin& origin) const;
    // Canonical form, e.g. "https://*.voxanne.ai", "http://localhost:*".
    std::string display() const;
  };
  static std::optional<Pattern> parse_pattern(const OriginEntry& entry, std::string* why);
  std::string nearest_entry(const ParsedOrigin& origin) const;

  std::vector<Pattern> entries_;
  std::unordered_map<std::string, std::size_t> exact_;  // canonical origin -> first exact entry
  std::vector<std::size_t> wildcards_;                  // entries_ indices scanned in order
  bool allow_missing_;
};

// A multi-line, human explanation of a decision for `voxgate check-origin`; first line is
// "allowed: ..." or "denied: ...".
std::string explain_decision(std::optional<std::string_view> origin,
                             const OriginDecision& decision);

}  // namespace voxgate
