// Origin policy cases (protocol section 1): one table of origins against one policy, then
// entries, missing headers, messages.

#include "policy/origin_policy.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {
namespace {

using Reason = OriginDecision::Reason;

// Written the way operators write them: mixed case, default ports, a pasted trailing slash.
const std::vector<OriginEntry> kEntries = {
    {"https://voxanne.ai", "FRONTEND_URL"},
    {"https://*.voxanne.ai", "CORS_ORIGIN"},
    {"http://localhost:*", "ALLOWED_WS_ORIGINS"},
    {"https://app.example.com:8443", "[origins].allow"},
    {"http://[::1]:3000", "[origins].allow"},
    {"HTTPS://Staging.Example.COM:443/", "[origins].allow"},
    {"http://intranet.example.org:80", "[origins].allow"},
    {"https://*.partner.example.net:9443", "[origins].allow"},
};

struct OriginCase {
  std::string origin;
  Reason reason;
  std::string expect;  // matched: the entry as written; malformed: detail; not_listed: suggestion
};

std::ostream& operator<<(std::ostream& out, const OriginCase& c) {
  return out << "origin \"" << c.origin << "\"";
}

OriginCase matched(std::string origin, std::string entry) {
  return {std::move(origin), Reason::matched, std::move(entry)};
}
OriginCase not_listed(std::string origin, std::string suggestion = "") {
  return {std::move(origin), Reason::not_listed, std::move(suggestion)};
}
OriginCase malformed(std::string origin, std::string detail) {
  return {std::move(origin), Reason::malformed, std::move(detail)};
}

const std::vector<OriginCase> kOriginCases = {
    // exact, case, default ports
    matched("https://voxanne.ai", "https://voxanne.ai"),
    matched("HTTPS://VOXANNE.AI", "https://voxanne.ai"),
    matched("https://voxanne.ai:443", "https://voxanne.ai"),
    matched("https://staging.example.com", "HTTPS://Staging.Example.COM:443/"),
    matched("https://STAGING.example.com:443", "HTTPS://Staging.Example.COM:443/"),
    matched("http://intranet.example.org", "http://intranet.example.org:80"),
    matched("http://intranet.example.org:80", "http://intranet.example.org:80"),
    matched("https://app.example.com:8443", "https://app.example.com:8443"),
    // subdomains
    matched("https://www.voxanne.ai", "https://*.voxanne.ai"),
    matched("https://a.b.voxanne.ai", "https://*.voxanne.ai"),
    matched("https://Www.Voxanne.Ai", "https://*.voxanne.ai"),
    matched("https://www.voxanne.ai:443", "https://*.voxanne.ai"),
    matched("https://api.partner.example.net:9443", "https://*.partner.example.net:9443"),
    // any port
    matched("http://localhost", "http://localhost:*"),
    matched("http://localhost:80", "http://localhost:*"),
    matched("http://localhost:3000", "http://localhost:*"),
    matched("http://LOCALHOST:65535", "http://localhost:*"),
    // IPv6
    matched("http://[::1]:3000", "http://[::1]:3000"),
    matched("http://[0:0:0:0:0:0:0:1]:3000", "http://[::1]:3000"),
    // suffix tricks
    not_listed("https://voxanne.ai.evil.com"),
    not_listed("https://evilvoxanne.ai"),
    not_listed("https://xvoxanne.ai", "https://voxanne.ai"),
    not_listed("https://www.voxanne.ai.evil.com"),
    not_listed("https://voxanne.ai.", "https://voxanne.ai"),
    not_listed("https://partner.example.net:9443", "https://*.partner.example.net:9443"),
    // scheme and port mismatches
    not_listed("http://voxanne.ai", "https://voxanne.ai"),
    not_listed("https://voxanne.ai:8443", "https://voxanne.ai"),
    not_listed("http://www.voxanne.ai", "https://*.voxanne.ai"),
    not_listed("https://app.example.com", "https://app.example.com:8443"),
    not_listed("https://app.example.com:443", "https://app.example.com:8443"),
    not_listed("https://www.partner.example.net", "https://*.partner.example.net:9443"),
    not_listed("https://localhost:3000", "http://localhost:*"),
    not_listed("http://[::1]:3001", "http://[::1]:3000"),
    not_listed("http://127.0.0.1:3000"),
    not_listed("wss://voxanne.ai", "https://voxanne.ai"),
    not_listed("chrome-extension://abcdefghijklmnop"),
    // near misses get a suggestion, strangers none
    not_listed("https://voxane.ai", "https://voxanne.ai"),
    not_listed("https://www.staging.example.com", "https://staging.example.com"),
    not_listed("https://example.com"),
    not_listed("https://attacker.test"),
    not_listed("null"),
    not_listed("https://" + std::string(244, 'a') + ".ai"),  // 255 characters: the longest allowed
    // not scheme://host[:port]
    malformed("https://voxanne.ai/", "has a trailing \"/\""),
    malformed("https://voxanne.ai/app", "has a path"),
    malformed("https://voxanne.ai//", "has a path"),
    malformed("https://voxanne.ai?x=1", "has a query"),
    malformed("https://voxanne.ai#top", "has a fragment"),
    malformed("https://voxanne.ai:443/", "has a trailing \"/\""),
    malformed("https://user@voxanne.ai", "has userinfo"),
    malformed("https://user:secret@voxanne.ai", "has userinfo"),
    malformed("https://voxanne.ai@evil.com", "has userinfo"),
    malformed("", "is empty"),
    malformed(" https://voxanne.ai", "contains whitespace or control characters"),
    malformed("https://voxanne.ai ", "contains whitespace or control characters"),
    malformed("https://vox anne.ai", "contains whitespace or control characters"),
    malformed("https://voxanne.ai\t", "contains whitespace or control characters"),
    malformed("https://voxanne.ai\r\nX-Evil: 1", "contains whitespace or control characters"),
    malformed(std::string("https://voxanne.ai\0", 19), "contains whitespace or control characters"),
    malformed("https://voxanne.ai\x7f", "contains whitespace or control characters"),
    malformed("null ", "contains whitespace or control characters"),
    malformed("https://v\xc3\xb6xanne.ai",
              "contains non-ASCII characters (browsers send punycode)"),
    malformed("https://" + std::string(245, 'a') + ".ai", "is longer than 255 characters"),
    malformed("https://" + std::string(5000, 'a') + ".ai", "is longer than 255 characters"),
    malformed("https://voxanne.ai:", "has an empty port"),
    malformed("https://voxanne.ai:abc", "has a non-numeric port"),
    malformed("https://voxanne.ai:-1", "has a non-numeric port"),
    malformed("https://voxanne.ai:+443", "has a non-numeric port"),
    malformed("https://voxanne.ai:443:443", "has a non-numeric port"),
    malformed("https://voxanne.ai:0", "has a port outside 1-65535"),
    malformed("https://voxanne.ai:65536", "has a port outside 1-65535"),
    malformed("https://voxanne.ai:99999999999", "has a port outside 1-65535"),
    malformed("https://", "has an empty host"),
    malformed("https://:443", "has an empty host"),
    malformed("https://.voxanne.ai", "has an empty label in the host"),
    malformed("https://www..voxanne.ai", "has an empty label in the host"),
    malformed("https://vox%61nne.ai", "has an invalid host character '%'"),
    malformed("https://voxanne.ai\\evil.com", "has an invalid host character '\\'"),
    malformed("https://*.voxanne.ai", "has an invalid host character '*'"),
    malformed("voxanne.ai", "is not scheme://host[:port]"),
    malformed("https:/voxanne.ai", "is not scheme://host[:port]"),
    malformed("NULL", "is not scheme://host[:port]"),
    malformed("://voxanne.ai", "has an invalid scheme"),
    malformed("1https://voxanne.ai", "has an invalid scheme"),
    malformed("http://[::1", "has an unterminated IPv6 literal"),
    malformed("http://[::g]:3000", "has an invalid IPv6 literal"),
    malformed("http://[fe80::1%25eth0]", "has an invalid IPv6 literal"),
    malformed("http://[::1]x", "has text after the IPv6 literal"),
    malformed("http://[::1]:", "has an empty port"),
};

std::string_view name_of(Reason reason) {
  OriginDecision d;
  d.reason = reason;
  return d.reason_name();  // names static text, so the view outlives `d`
}

class OriginDecideTest : public testing::TestWithParam<OriginCase> {
 protected:
  static const OriginPolicy& policy() {
    static const OriginPolicy instance(kEntries, true);
    return instance;
  }
};

TEST_P(OriginDecideTest, DecidesAsTheTableSays) {
  const OriginCase& c = GetParam();
  const OriginDecision d = policy().decide(c.origin);
  EXPECT_EQ(d.reason_name(), name_of(c.reason));
  EXPECT_EQ(d.allowed, c.reason == Reason::matched);
  switch (c.reason) {
    case Reason::matched:
      EXPECT_EQ(d.entry, c.expect);
      break;
    case Reason::malformed:
      EXPECT_EQ(d.detail, c.expect);
      break;
    default:
      EXPECT_EQ(d.suggestion, c.expect);
  }
}

// Whatever the origin, a refusal body is one printable ASCII line that says how to fix it.
TEST_P(OriginDecideTest, RejectionBodyIsOnePrintableLine) {
  const OriginCase& c = GetParam();
  const OriginDecision d = policy().decide(c.origin);
  const std::string body = OriginPolicy::rejection_body(c.origin, d);
  if (d.allowed) {
    EXPECT_TRUE(body.empty());
    return;
  }
  ASSERT_FALSE(body.empty());
  EXPECT_LE(body.size(), 512u);
  for (char ch : body) {
    EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << "byte " << static_cast<int>(ch);
  }
  EXPECT_EQ(body.rfind("origin \"", 0), 0u) << body;
  const bool names_fix =
      body.find("FRONTEND_URL, CORS_ORIGIN or [origins].allow") != std::string::npos ||
      body.find("browsers send scheme://host[:port]") != std::string::npos;
  EXPECT_TRUE(names_fix) << body;
}

INSTANTIATE_TEST_SUITE_P(OriginCases, OriginDecideTest, testing::ValuesIn(kOriginCases));

TEST(OriginPolicy, CanonicalForms) {
  EXPECT_EQ(parse_origin("HTTPS://A.COM:443")->canonical(), "https://a.com");
  EXPECT_EQ(parse_origin("http://a.com:8080")->canonical(), "http://a.com:8080");
  EXPECT_EQ(parse_origin("http://[0::1]:80")->canonical(), "http://[::1]");
  EXPECT_EQ(parse_origin("null")->canonical(), "null");
  EXPECT_TRUE(parse_origin("null")->is_null);
  EXPECT_EQ(parse_origin("capacitor://localhost")->canonical(), "capacitor://localhost");
  EXPECT_EQ(parse_origin("https://a.com")->port, 443);
  EXPECT_EQ(parse_origin("http://a.com")->port, 80);
  std::string why;
  EXPECT_FALSE(parse_origin("https://a.com/", &why));
  EXPECT_EQ(why, "has a trailing \"/\"");
}

TEST(OriginPolicy, MissingHeaderFollowsAllowMissing) {
  const OriginPolicy lenient(kEntries, true);
  const OriginDecision allowed = lenient.decide(std::nullopt);
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.reason, Reason::missing_allowed);
  EXPECT_EQ(allowed.reason_name(), "missing_allowed");

  const OriginPolicy strict(kEntries, false);
  const OriginDecision refused = strict.decide(std::nullopt);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reason, Reason::missing_refused);
  EXPECT_EQ(OriginPolicy::rejection_body(std::nullopt, refused),
            "requests without an Origin header are refused; set [origins].allow_missing = true "
            "to allow them");
  // A present but empty header is not a missing one.
  EXPECT_EQ(lenient.decide("").reason, Reason::malformed);
}

TEST(OriginPolicy, NullOnlyWhenListed) {
  const OriginPolicy unlisted(kEntries, true);
  EXPECT_EQ(unlisted.decide("null").reason, Reason::not_listed);

  const OriginPolicy listed({{"null", "[origins].allow"}, {"https://voxanne.ai", "FRONTEND_URL"}},
                            true);
  const OriginDecision d = listed.decide("null");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.entry, "null");
  EXPECT_EQ(d.source, "[origins].allow");
  // Listing null allows only null.
  EXPECT_EQ(listed.decide("https://evil.com").reason, Reason::not_listed);
}

// Found by tests/fuzz/origin_fuzz.cpp: "null/" became an entry without scheme or host that
// allowed nothing (shown as "://"); the pasted trailing slash is now dropped before "null".
TEST(OriginPolicy, NullWithTrailingSlashIsTheNullEntry) {
  std::vector<std::string> errors;
  const OriginPolicy policy({{"null/", "FRONTEND_URL"}}, true, &errors);
  EXPECT_TRUE(errors.empty());
  const OriginDecision d = policy.decide("null");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason, Reason::matched);
  EXPECT_EQ(d.entry, "null/");
  EXPECT_EQ(policy.decide("https://voxanne.ai").reason, Reason::not_listed);
}

TEST(OriginPolicy, DecisionNamesEntryAndSource) {
  const OriginPolicy policy(kEntries, true);
  const OriginDecision d = policy.decide("https://www.voxanne.ai");
  EXPECT_EQ(d.entry, "https://*.voxanne.ai");
  EXPECT_EQ(d.source, "CORS_ORIGIN");
  EXPECT_EQ(d.reason_name(), "matched");
}

TEST(OriginPolicy, FirstListedEntryDecides) {
  const OriginPolicy wildcard_first(
      {{"https://*.voxanne.ai", "CORS_ORIGIN"}, {"https://www.voxanne.ai", "FRONTEND_URL"}}, true);
  EXPECT_EQ(wildcard_first.decide("https://www.voxanne.ai").source, "CORS_ORIGIN");

  const OriginPolicy exact_first(
      {{"https://www.voxanne.ai", "FRONTEND_URL"}, {"https://*.voxanne.ai", "CORS_ORIGIN"}}, true);
  EXPECT_EQ(exact_first.decide("https://www.voxanne.ai").source, "FRONTEND_URL");

  const OriginPolicy duplicates(
      {{"https://voxanne.ai/", "FRONTEND_URL"}, {"https://VOXANNE.ai", "CORS_ORIGIN"}}, true);
  EXPECT_EQ(duplicates.size(), 2u);
  EXPECT_EQ(duplicates.decide("https://voxanne.ai").source, "FRONTEND_URL");
}

struct EntryCase {
  std::string entry;
  std::string origin;  // an origin the entry must allow
};

std::ostream& operator<<(std::ostream& out, const EntryCase& c) {
  return out << "entry \"" << c.entry << "\" allows \"" << c.origin << "\"";
}

class OriginEntryTest : public testing::TestWithParam<EntryCase> {};

TEST_P(OriginEntryTest, NormalizedEntryAllows) {
  std::vector<std::string> errors;
  const OriginPolicy policy({{GetParam().entry, "FRONTEND_URL"}}, true, &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_TRUE(policy.decide(GetParam().origin).allowed);
}

INSTANTIATE_TEST_SUITE_P(
    OriginEntries, OriginEntryTest,
    testing::Values(EntryCase{"https://voxanne.ai/", "https://voxanne.ai"},
                    EntryCase{"  https://voxanne.ai  ", "https://voxanne.ai"},
                    EntryCase{"HTTPS://VOXANNE.AI:443", "https://voxanne.ai"},
                    EntryCase{"https://*.Voxanne.AI/", "https://www.voxanne.ai"},
                    EntryCase{"Null", "null"},
                    EntryCase{"http://*.localhost:*", "http://app.localhost:5173"},
                    EntryCase{"http://[::1]:*", "http://[::1]:8080"},
                    EntryCase{"capacitor://localhost", "capacitor://localhost"}));

struct BadEntryCase {
  std::string entry;
  std::string why;
};

std::ostream& operator<<(std::ostream& out, const BadEntryCase& c) {
  return out << "entry \"" << c.entry << "\"";
}

class OriginBadEntryTest : public testing::TestWithParam<BadEntryCase> {};

TEST_P(OriginBadEntryTest, SkippedAndReported) {
  const BadEntryCase& c = GetParam();
  std::vector<std::string> errors;
  const OriginPolicy policy({{c.entry, "CORS_ORIGIN"}, {"https://voxanne.ai", "FRONTEND_URL"}},
                            true, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.front(), "CORS_ORIGIN: \"" + c.entry + "\": " + c.why);
  EXPECT_EQ(policy.size(), 1u);
  EXPECT_TRUE(policy.decide("https://voxanne.ai").allowed);
}

INSTANTIATE_TEST_SUITE_P(
    OriginBadEntries, OriginBadEntryTest,
    testing::Values(
        BadEntryCase{"", "is empty"},
        BadEntryCase{"*", "a bare \"*\" would allow every site; list the origins"},
        BadEntryCase{"voxanne.ai", "is not scheme://host[:port]"},
        BadEntryCase{"https://voxanne.ai/app", "has a path"},
        BadEntryCase{"https://voxanne.ai//", "has a path"},
        BadEntryCase{"https://voxanne.ai?x", "has a query"},
        BadEntryCase{"https://user@voxanne.ai", "has userinfo"},
        BadEntryCase{"https://voxanne.ai:99999", "has a port outside 1-65535"},
        BadEntryCase{"wss://voxanne.ai",
                     "list the web page's origin (http:// or https://), not the WebSocket URL"},
        BadEntryCase{"https://*voxanne.ai",
                     "\"*\" may only stand for subdomains (https://*.example.com) or the port "
                     "(http://localhost:*)"},
        BadEntryCase{"https://www.*.voxanne.ai",
                     "\"*\" may only stand for subdomains (https://*.example.com) or the port "
                     "(http://localhost:*)"},
        BadEntryCase{"ftp://*.voxanne.ai", "wildcards are only supported for http and https"},
        BadEntryCase{"https://*.[::1]", "\"*.\" needs a domain name, not an IP address"},
        BadEntryCase{"http://localhost:3000:*", "has both a port and \":*\""}));

TEST(OriginPolicy, EmptyPolicyRefusesEveryOrigin) {
  const OriginPolicy policy({}, true);
  EXPECT_TRUE(policy.empty());
  const OriginDecision d = policy.decide("https://voxanne.ai");
  EXPECT_EQ(d.reason, Reason::not_listed);
  EXPECT_TRUE(d.suggestion.empty());
}

TEST(OriginRejectionBody, NotListedMatchesTheSpecWording) {
  const OriginPolicy policy({{"https://callwaitingai.dev", "FRONTEND_URL"}}, true);
  const OriginDecision d = policy.decide("https://voxanne.ai");
  EXPECT_EQ(OriginPolicy::rejection_body("https://voxanne.ai", d),
            "origin \"https://voxanne.ai\" is not allowed; add it to FRONTEND_URL, CORS_ORIGIN or "
            "[origins].allow");
}

TEST(OriginRejectionBody, NotListedOffersTheNearestEntry) {
  const OriginPolicy policy({{"https://www.voxanne.ai", "FRONTEND_URL"}}, true);
  const OriginDecision d = policy.decide("https://voxanne.ai");
  EXPECT_EQ(d.suggestion, "https://www.voxanne.ai");
  EXPECT_EQ(OriginPolicy::rejection_body("https://voxanne.ai", d),
            "origin \"https://voxanne.ai\" is not allowed; add it to FRONTEND_URL, CORS_ORIGIN or "
            "[origins].allow (did you mean https://www.voxanne.ai?)");
}

TEST(OriginRejectionBody, MalformedSaysWhatBrowsersSend) {
  const OriginPolicy policy(kEntries, true);
  const OriginDecision d = policy.decide("https://voxanne.ai/");
  EXPECT_EQ(OriginPolicy::rejection_body("https://voxanne.ai/", d),
            "origin \"https://voxanne.ai/\" is malformed (has a trailing \"/\"); browsers send "
            "scheme://host[:port]");
}

TEST(OriginRejectionBody, EscapesHostileBytes) {
  const OriginPolicy policy(kEntries, true);
  const std::string hostile = "https://a.com\r\nSet-Cookie: x=1\"\x1b[31m\xff";
  const std::string body = OriginPolicy::rejection_body(hostile, policy.decide(hostile));
  EXPECT_EQ(body,
            "origin \"https://a.com\\x0d\\x0aSet-Cookie: x=1\\\"\\x1b[31m\\xff\" is malformed "
            "(contains whitespace or control characters); browsers send scheme://host[:port]");
}

TEST(OriginRejectionBody, TruncatesOversizedOrigins) {
  const OriginPolicy policy(kEntries, true);
  const std::string huge = "https://" + std::string(10'000, 'a') + ".ai";
  const std::string body = OriginPolicy::rejection_body(huge, policy.decide(huge));
  EXPECT_LT(body.size(), 400u);
  EXPECT_NE(body.find("...\" is malformed (is longer than 255 characters)"), std::string::npos);
}

TEST(OriginExplain, Matched) {
  const OriginPolicy policy(kEntries, true);
  const std::string text =
      explain_decision("HTTPS://WWW.voxanne.ai:443", policy.decide("HTTPS://WWW.voxanne.ai:443"));
  EXPECT_EQ(text,
            "allowed: matched entry \"https://*.voxanne.ai\" from CORS_ORIGIN\n"
            "origin: \"HTTPS://WWW.voxanne.ai:443\" compared as https://www.voxanne.ai\n");
}

TEST(OriginExplain, NotListedWithSuggestion) {
  const OriginPolicy policy({{"https://www.voxanne.ai", "FRONTEND_URL"}}, true);
  const std::string text =
      explain_decision("https://voxanne.ai", policy.decide("https://voxanne.ai"));
  EXPECT_EQ(text,
            "denied: not listed; did you mean https://www.voxanne.ai?\n"
            "origin: \"https://voxanne.ai\"\n"
            "fix: add it to FRONTEND_URL, CORS_ORIGIN or [origins].allow\n");
}

TEST(OriginExplain, MalformedOffersTheOriginWithoutPath) {
  const OriginPolicy policy(kEntries, true);
  const std::string text =
      explain_decision("https://Voxanne.ai/app", policy.decide("https://Voxanne.ai/app"));
  EXPECT_EQ(text.rfind("denied: malformed: has a path\n", 0), 0u) << text;
  EXPECT_NE(text.find("try: https://voxanne.ai\n"), std::string::npos) << text;
}

TEST(OriginExplain, MissingHeader) {
  const OriginPolicy strict({}, false);
  EXPECT_EQ(explain_decision(std::nullopt, strict.decide(std::nullopt)).rfind("denied: ", 0), 0u);
  const OriginPolicy lenient({}, true);
  EXPECT_EQ(explain_decision(std::nullopt, lenient.decide(std::nullopt)).rfind("allowed: ", 0), 0u);
}

}  // namespace
}  // namespace voxgate
