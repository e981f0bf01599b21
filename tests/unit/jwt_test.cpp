// JWT verification (protocol section 7) against tokens made by the openssl command line
// (tests/unit/jwt_fixtures/generate.py), never by voxgate's own signer.
#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "auth/base64url.hpp"
#include "auth/claims.hpp"
#include "cli/commands.hpp"
#include "config/load.hpp"

namespace voxgate {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t now = 1'700'000'000;  // generate.py's NOW: no fixture expires on its own
const std::string issuer = "https://project.supabase.co/auth/v1";
const std::string fixtures = std::string(VOXGATE_SOURCE_DIR) + "/tests/unit/jwt_fixtures/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::map<std::string, std::string>& fixture_tokens() {
  static const auto tokens = [] {
    std::map<std::string, std::string> out;
    std::istringstream lines(read_file(fixtures + "tokens.txt"));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto space = line.find(' ');
      out[line.substr(0, space)] = line.substr(space + 1);
    }
    return out;
  }();
  return tokens;
}

std::string fixture(const std::string& name) {
  const auto& tokens = fixture_tokens();
  const auto found = tokens.find(name);
  if (found == tokens.end()) {
    ADD_FAILURE() << "no token " << name << " in tokens.txt; rerun generate.py";
    return {};
  }
  return found->second;
}

// Which keys the verifier is given.
enum class Keys { none, secret, pem_rsa, pem_ec, jwks, jwks_and_pem_rsa, all };

AuthConfig config_with(Keys keys) {
  AuthConfig config;
  config.issuer = issuer;
  config.audience = "authenticated";
  const bool secret = keys == Keys::secret || keys == Keys::all;
  const bool jwks = keys == Keys::jwks || keys == Keys::jwks_and_pem_rsa || keys == Keys::all;
  const bool pem_rsa = keys == Keys::pem_rsa || keys == Keys::jwks_and_pem_rsa || keys == Keys::all;
  if (secret) config.jwt_secret = read_file(fixtures + "hs256.secret");
  if (jwks) config.jwks_file = fixtures + "jwks.json";
  if (pem_rsa) config.public_key_file = fixtures + "rsa_public.pem";
  if (keys == Keys::pem_ec) config.public_key_file = fixtures + "ec_public.pem";
  return config;
}

std::shared_ptr<const TokenVerifier> verifier_for(const AuthConfig& config) {
  std::string error;
  auto verifier = TokenVerifier::from_config(config, error);
  EXPECT_TRUE(verifier) << error;
  return verifier;
}

// ---------------------------------------------------------------- the table

struct JwtCase {
  std::string name;
  std::string token;  // a fixture name
  Keys keys;
  TokenError expected;
  std::function<void(AuthConfig&)> adjust = {};
  std::function<std::string(const std::string&)> mutate = {};  // structural damage only
  std::int64_t at = now;
  std::string org = "org-1";  // expected org_id when valid
};

std::ostream& operator<<(std::ostream& out, const JwtCase& c) {
  return out << c.name;
}

const auto skew = [](int seconds) {
  return [=](AuthConfig& c) { c.clock_skew = std::chrono::seconds(seconds); };
};
const auto algorithms = [](std::vector<std::string> names) {
  return [=](AuthConfig& c) { c.algorithms = names; };
};
const auto org_claim = [](std::string path) { return [=](AuthConfig& c) { c.org_claim = path; }; };

using E = TokenError;

const JwtCase cases[] = {
    // Valid, one per algorithm and key source.
    {"hs256_secret", "hs256", Keys::secret, E::none},
    {"hs256_all_keys", "hs256", Keys::all, E::none},
    {"rs256_jwks_kid", "rs256_kid", Keys::jwks, E::none},
    {"rs256_jwks_second_kid", "rs256_kid2", Keys::jwks, E::none},
    {"rs256_all_keys", "rs256_kid", Keys::all, E::none},
    {"rs256_pem", "rs256_nokid", Keys::pem_rsa, E::none},
    {"rs256_pem_kid_without_jwks", "rs256_kid", Keys::pem_rsa, E::none},
    {"rs256_jwks_no_kid_tries_each_rsa_key", "rs256_nokid_rsa2", Keys::jwks, E::none},
    {"es256_jwks_kid", "es256_kid", Keys::jwks, E::none},
    {"es256_jwks_no_kid", "es256_nokid", Keys::jwks, E::none},
    {"es256_pem", "es256_nokid", Keys::pem_ec, E::none},
    {"es256_all_keys", "es256_kid", Keys::all, E::none},

    // alg none and algorithm confusion.
    {"alg_none_empty_signature", "none_empty_sig", Keys::all, E::alg_not_allowed},
    {"alg_none_with_signature", "none_with_sig", Keys::all, E::alg_not_allowed},
    {"alg_none_upper_case", "none_upper", Keys::all, E::alg_not_allowed},
    {"hs256_signed_with_public_pem_pem_only", "hs256_with_public_pem", Keys::pem_rsa,
     E::unknown_key},
    {"hs256_signed_with_public_pem_jwks_only", "hs256_with_public_pem", Keys::jwks, E::unknown_key},
    {"hs256_signed_with_public_pem_all_keys", "hs256_with_public_pem", Keys::all, E::bad_signature},
    {"hs256_signed_with_public_pem_not_allowed", "hs256_with_public_pem", Keys::pem_rsa,
     E::alg_not_allowed, algorithms({"RS256", "ES256"})},
    {"rs256_kid_naming_ec_key", "rs256_kid_of_ec", Keys::jwks, E::unknown_key},
    {"es256_kid_naming_rsa_key", "es256_kid_of_rsa", Keys::jwks, E::unknown_key},
    {"rs256_with_only_ec_pem", "rs256_nokid", Keys::pem_ec, E::unknown_key},
    {"es256_with_only_rsa_pem", "es256_nokid", Keys::pem_rsa, E::unknown_key},
    {"hs384_not_supported", "hs384", Keys::secret, E::alg_not_allowed},
    {"hs256_not_in_allow_list", "hs256", Keys::all, E::alg_not_allowed,
     algorithms({"RS256", "ES256"})},
    {"rs256_not_in_allow_list", "rs256_kid", Keys::all, E::alg_not_allowed,
     algorithms({"HS256", "ES256"})},
    {"es256_not_in_allow_list", "es256_kid", Keys::all, E::alg_not_allowed,
     algorithms({"HS256", "RS256"})},
    {"header_without_alg", "no_alg", Keys::all, E::malformed},
    {"header_alg_not_a_string", "alg_number", Keys::all, E::malformed},
    {"header_with_crit", "crit_header", Keys::all, E::malformed},

    // Keys and signatures.
    {"no_key_configured_hs256", "hs256", Keys::none, E::unknown_key},
    {"no_key_configured_rs256", "rs256_kid", Keys::none, E::unknown_key},
    {"hs256_without_secret", "hs256", Keys::jwks_and_pem_rsa, E::unknown_key},
    {"unknown_kid", "rs256_unknown_kid", Keys::jwks, E::unknown_key},
    {"unknown_kid_falls_back_to_pem", "rs256_unknown_kid", Keys::jwks_and_pem_rsa, E::none},
    {"rs256_signed_by_other_key", "rs256_wrong_key", Keys::jwks, E::bad_signature},
    {"es256_signed_by_stranger", "es256_stranger_kid", Keys::jwks, E::bad_signature},
    {"es256_no_kid_signed_by_stranger", "es256_stranger_nokid", Keys::all, E::bad_signature},
    {"es256_der_signature", "es256_der_sig", Keys::jwks, E::bad_signature},
    {"hs256_other_secret", "hs256_other_secret", Keys::secret, E::bad_signature},
    {"tampered_payload", "tampered_payload", Keys::secret, E::bad_signature},
    {"tampered_org", "tampered_org", Keys::secret, E::bad_signature},
    {"tampered_signature_hs256", "tampered_signature", Keys::secret, E::bad_signature},
    {"tampered_signature_rs256", "rs256_tampered_signature", Keys::jwks, E::bad_signature},
    {"tampered_signature_es256", "es256_tampered_signature", Keys::jwks, E::bad_signature},
    {"signature_removed",
     "hs256",
     Keys::secret,
     E::bad_signature,
     {},
     [](const std::string& t) { return t.substr(0, t.rfind('.') + 1); }},

    // Time, with the default 30 s skew unless adjusted.
    {"expired", "expired", Keys::secret, E::expired},
    {"expired_beyond_skew", "expired_beyond_skew", Keys::secret, E::expired},
    {"expired_within_skew", "expired_within_skew", Keys::secret, E::none},
    {"expired_within_skew_but_no_skew", "expired_within_skew", Keys::secret, E::expired, skew(0)},
    {"exp_plus_skew_is_still_valid", "hs256", Keys::secret, E::none, {}, {}, now + 3600 + 30},
    {"one_second_past_exp_plus_skew", "hs256", Keys::secret, E::expired, {}, {}, now + 3631},
    {"nbf_in_future", "nbf_future", Keys::secret, E::not_yet_valid},
    {"nbf_beyond_skew", "nbf_beyond_skew", Keys::secret, E::not_yet_valid},
    {"nbf_within_skew", "nbf_within_skew", Keys::secret, E::none},
    {"nbf_within_skew_but_no_skew", "nbf_within_skew", Keys::secret, E::not_yet_valid, skew(0)},
    {"exp_with_fraction", "exp_fraction", Keys::secret, E::none},
    {"exp_far_future", "exp_huge", Keys::secret, E::none},
    {"exp_as_string", "exp_string", Keys::secret, E::missing_claim},
    {"exp_missing", "no_exp", Keys::secret, E::missing_claim},

    // Issuer and audience.
    {"wrong_issuer", "wrong_iss", Keys::secret, E::wrong_issuer},
    {"missing_issuer", "no_iss", Keys::secret, E::wrong_issuer},
    {"issuer_not_configured", "wrong_iss", Keys::secret, E::none,
     [](AuthConfig& c) { c.issuer.clear(); }},
    {"wrong_audience", "wrong_aud", Keys::secret, E::wrong_audience},
    {"audience_array_containing_it", "aud_array", Keys::secret, E::none},
    {"audience_array_without_it", "aud_array_wrong", Keys::secret, E::wrong_audience},
    {"missing_audience", "no_aud", Keys::secret, E::wrong_audience},
    {"audience_not_configured", "wrong_aud", Keys::secret, E::none,
     [](AuthConfig& c) { c.audience.clear(); }},

    // Subject and organization.
    {"sub_missing", "no_sub", Keys::secret, E::missing_claim},
    {"sub_empty", "empty_sub", Keys::secret, E::missing_claim},
    {"sub_not_a_string", "sub_number", Keys::secret, E::missing_claim},
    {"org_missing", "no_org", Keys::secret, E::missing_claim},
    {"org_empty", "empty_org", Keys::secret, E::missing_claim},
    {"org_an_object", "org_object", Keys::secret, E::missing_claim},
    {"org_parent_not_an_object", "app_metadata_string", Keys::secret, E::missing_claim},
    {"org_an_integer", "org_number", Keys::secret, E::none, {}, {}, now, "42"},
    {"custom_org_claim",
     "custom_org",
     Keys::secret,
     E::none,
     org_claim("tenant.info.org"),
     {},
     now,
     "org-7"},
    {"custom_org_claim_absent", "hs256", Keys::secret, E::missing_claim,
     org_claim("tenant.info.org")},
    {"top_level_org_claim",
     "hs256",
     Keys::secret,
     E::none,
     org_claim("role"),
     {},
     now,
     "authenticated"},

    // JSON that is not a JWT header or claims set.
    {"header_not_json", "header_not_json", Keys::secret, E::malformed},
    {"header_an_array", "header_array", Keys::secret, E::malformed},
    {"payload_not_json", "payload_not_json", Keys::secret, E::malformed},
    {"payload_an_array", "payload_array", Keys::secret, E::malformed},
    {"payload_trailing_data", "payload_trailing", Keys::secret, E::malformed},

    // base64url and shape.
    {"padded_signature", "padded_signature", Keys::secret, E::malformed},
    {"padded_header", "padded_header", Keys::secret, E::malformed},
    {"bad_char_in_payload", "bad_char_payload", Keys::secret, E::malformed},
    {"space_in_signature", "space_in_signature", Keys::secret, E::malformed},
    {"standard_base64_alphabet", "standard_alphabet", Keys::jwks, E::malformed},
    {"noncanonical_signature_bits", "noncanonical_signature", Keys::secret, E::malformed},
    {"two_segments",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string& t) { return t.substr(0, t.rfind('.')); }},
    {"four_segments",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string& t) { return t + ".e30"; }},
    {"one_segment",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string& t) { return t.substr(0, t.find('.')); }},
    {"empty_token",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string&) { return std::string(); }},
    {"only_dots",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string&) { return std::string(".."); }},
    {"leading_space",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string& t) { return " " + t; }},
    {"trailing_newline",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string& t) { return t + "\n"; }},
    {"bearer_prefix_left_in",
     "hs256",
     Keys::secret,
     E::malformed,
     {},
     [](const std::string& t) { return "Bearer " + t; }},

    // Size, checked before anything is decoded.
    {"oversized_valid_token", "oversized", Keys::secret, E::too_large},
    {"oversized_allowed_by_config", "oversized", Keys::secret, E::none,
     [](AuthConfig& c) { c.max_token_bytes = 16 * 1024; }},
    {"oversized_garbage",
     "hs256",
     Keys::secret,
     E::too_large,
     {},
     [](const std::string&) { return std::string(9000, '!'); }},
    {"limit_below_token_length", "hs256", Keys::secret, E::too_large,
     [](AuthConfig& c) { c.max_token_bytes = 100; }},
};

class JwtCases : public testing::TestWithParam<JwtCase> {};

TEST_P(JwtCases, Verify) {
  const JwtCase& c = GetParam();
  AuthConfig config = config_with(c.keys);
  if (c.adjust) c.adjust(config);
  const auto verifier = verifier_for(config);
  ASSERT_TRUE(verifier);
  std::string token = fixture(c.token);
  if (c.mutate) token = c.mutate(token);

  const TokenCheck check = verifier->verify(token, c.at);

  EXPECT_EQ(to_string(check.error), to_string(c.expected)) << check.detail;
  EXPECT_EQ(check.expired(), c.expected == E::expired);
  if (c.expected == E::none) {
    ASSERT_TRUE(check.identity) << check.detail;
    EXPECT_EQ(check.identity->user_id, "user-1");
    EXPECT_EQ(check.identity->org_id, c.org);
    EXPECT_GE(check.identity->expires_at + 30, c.at);  // within the default skew
    EXPECT_LE(check.identity->expires_at, latest_date);
    EXPECT_TRUE(check.detail.empty()) << check.detail;
  } else {
    EXPECT_FALSE(check.identity);
    EXPECT_FALSE(check.detail.empty());
    // Details go to logs: no part of the token may appear in them.
    std::size_t start = 0;
    while (start < token.size()) {
      const auto dot = std::min(token.find('.', start), token.size());
      const auto part = token.substr(start, dot - start);
      if (part.size() >= 16) {
        EXPECT_EQ(check.detail.find(part), std::string::npos) << check.detail;
      }
      start = dot + 1;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Jwt, JwtCases, testing::ValuesIn(cases),
                         [](const testing::TestParamInfo<JwtCase>& info) {
                           return info.param.name;
                         });

TEST(JwtFixtures, EveryTokenIsUsedByTheTable) {
  std::map<std::string, int> used;
  for (const auto& c : cases) ++used[c.token];
  for (const auto& [name, token] : fixture_tokens()) EXPECT_TRUE(used.count(name)) << name;
}

TEST(JwtVerify, ExpiresAtIsExp) {
  const auto verifier = verifier_for(config_with(Keys::secret));
  EXPECT_EQ(verifier->verify(fixture("hs256"), now).identity->expires_at, now + 3600);
  EXPECT_EQ(verifier->verify(fixture("exp_fraction"), now).identity->expires_at, now + 3600);
  EXPECT_EQ(verifier->verify(fixture("exp_huge"), now).identity->expires_at, latest_date);
}

TEST(JwtVerify, SameVerifierFromManyThreads) {
  const auto verifier = verifier_for(config_with(Keys::all));
  const std::vector<std::pair<std::string, TokenError>> mix = {
      {"hs256", E::none},      {"rs256_kid", E::none},
      {"es256_kid", E::none},  {"tampered_payload", E::bad_signature},
      {"expired", E::expired}, {"none_empty_sig", E::alg_not_allowed}};
  std::vector<std::string> tokens;
  for (const auto& [name, expected] : mix) tokens.push_back(fixture(name));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int round = 0; round < 50; ++round)
        for (std::size_t i = 0; i < mix.size(); ++i)
          if (verifier->verify(tokens[i], now).error != mix[i].second) ++wrong;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---------------------------------------------------------------- loading keys

fs::path temp_file(const std::string& name, const std::string& text) {
  const auto path = fs::temp_directory_path() / ("voxgate_jwt_test_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string load_error(const AuthConfig& config) {
  std::string error;
  const auto verifier = TokenVerifier::from_config(config, error);
  EXPECT_FALSE(verifier);
  return error;
}

TEST(TokenVerifierConfig, ConfiguredOnlyWithAKey) {
  EXPECT_FALSE(verifier_for(config_with(Keys::none))->configured());
  EXPECT_TRUE(verifier_for(config_with(Keys::secret))->configured());
  EXPECT_TRUE(verifier_for(config_with(Keys::pem_ec))->configured());
  EXPECT_TRUE(verifier_for(config_with(Keys::jwks))->configured());
}

struct LoadCase {
  std::string name;
  std::function<void(AuthConfig&)> adjust;
  std::vector<std::string> error_parts;  // each must appear in the error
};

std::ostream& operator<<(std::ostream& out, const LoadCase& c) {
  return out << c.name;
}

const auto jwks_text = [](const std::string& name, const std::string& text) {
  return [=](AuthConfig& c) { c.jwks_file = temp_file(name + ".json", text).string(); };
};

const std::string good_rsa_jwk = [] {
  const auto jwks = boost::json::parse(read_file(fixtures + "jwks.json"));
  return boost::json::serialize(jwks.at("keys").at(0));
}();

const LoadCase load_cases[] = {
    {"missing_pem_file",
     [](AuthConfig& c) { c.public_key_file = "/nonexistent/key.pem"; },
     {"auth.public_key_file", "/nonexistent/key.pem", "cannot be opened"}},
    {"pem_file_without_key",
     [](AuthConfig& c) { c.public_key_file = temp_file("garbage.pem", "not a key\n").string(); },
     {"auth.public_key_file", "BEGIN PUBLIC KEY"}},
    {"pem_private_key_only",
     [](AuthConfig& c) { c.public_key_file = fixtures + "rsa_private.pem"; },
     {"auth.public_key_file", "BEGIN PUBLIC KEY"}},
    {"pem_rsa_1024_bits",
     [](AuthConfig& c) { c.public_key_file = fixtures + "rsa1024_public.pem"; },
     {"auth.public_key_file", "1024 bits", "2048"}},
    {"missing_jwks_file",
     [](AuthConfig& c) { c.jwks_file = "/nonexistent/jwks.json"; },
     {"auth.jwks_file", "/nonexistent/jwks.json", "cannot be opened"}},
    {"jwks_not_json", jwks_text("not_json", "{\"keys\": ["), {"auth.jwks_file", "JWKS"}},
    {"jwks_without_keys_array", jwks_text("no_keys", "{\"kty\":\"RSA\"}"), {"\"keys\" array"}},
    {"jwks_empty", jwks_text("empty", "{\"keys\":[]}"), {"no RS256", "ES256"}},
    {"jwks_only_unusable_keys",
     jwks_text("unusable", R"({"keys":[{"kty":"oct","k":"c2VjcmV0"},)"
                           R"({"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})"),
     {"no RS256"}},
    {"jwks_duplicate_kid",
     jwks_text("duplicate", "{\"keys\":[" + good_rsa_jwk + "," + good_rsa_jwk + "]}"),
     {"two keys have kid \"rsa-1\""}},
    {"jwks_rsa_without_n",
     jwks_text("no_n", R"({"keys":[{"kty":"RSA","e":"AQAB"}]})"),
     {"keys[0]", "n is missing"}},
    {"jwks_padded_base64",
     jwks_text("padded", R"({"keys":[{"kty":"RSA","n":"AQAB==","e":"AQAB"}]})"),
     {"keys[0]", "n is not unpadded base64url"}},
    {"jwks_ec_point_off_curve",
     jwks_text("off_curve", R"({"keys":[{"kty":"EC","crv":"P-256",)"
                            R"("x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",)"
                            R"("y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"}]})"),
     {"keys[0]"}},
    {"jwks_ec_short_coordinate",
     jwks_text("short", R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})"),
     {"keys[0]", "32 bytes"}},
    {"algorithm_none", algorithms({"HS256", "none"}), {"auth.algorithms", "\"none\"", "unsigned"}},
    {"algorithm_unsupported", algorithms({"PS256"}), {"auth.algorithms", "\"PS256\"", "HS256"}},
    {"org_claim_empty_segment", org_claim("app_metadata..org_id"), {"auth.org_claim"}},
};

class TokenVerifierLoad : public testing::TestWithParam<LoadCase> {};

TEST_P(TokenVerifierLoad, RefusesWithTheSettingNamed) {
  AuthConfig config = config_with(Keys::secret);
  GetParam().adjust(config);
  const std::string error = load_error(config);
  for (const auto& part : GetParam().error_parts)
    EXPECT_NE(error.find(part), std::string::npos) << "missing \"" << part << "\" in: " << error;
}

INSTANTIATE_TEST_SUITE_P(Token, TokenVerifierLoad, testing::ValuesIn(load_cases),
                         [](const testing::TestParamInfo<LoadCase>& info) {
                           return info.param.name;
                         });

TEST(TokenVerifierConfig, JwksSkipsKeysOfNoUseAndKeepsTheRest) {
  AuthConfig config = config_with(Keys::none);
  config.jwks_file = temp_file("mixed.json", R"({"keys":[{"kty":"oct","k":"c2VjcmV0"},)"
                                             R"({"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"},)" +
                                                 good_rsa_jwk + "]}")
                         .string();
  const auto verifier = verifier_for(config);
  ASSERT_TRUE(verifier);
  EXPECT_EQ(verifier->verify(fixture("rs256_kid"), now).error, E::none);
}

// The [auth] options as the config loader reads them, before any verifier exists.
struct AuthOptionCase {
  std::string name;
  std::string toml;
  std::string error_part;  // empty: loads
};

std::ostream& operator<<(std::ostream& out, const AuthOptionCase& c) {
  return out << c.name;
}

const AuthOptionCase auth_option_cases[] = {
    {"algorithms_none", "algorithms = [\"HS256\", \"none\"]",
     "\"none\" (unsigned tokens) is never allowed"},
    {"algorithms_empty", "algorithms = []", "auth.algorithms must be a non-empty list"},
    {"algorithms_lower_case", "algorithms = [\"hs256\"]", "auth.algorithms must be"},
    {"algorithms_subset", "algorithms = [\"ES256\"]", ""},
    {"org_claim_trailing_dot", "org_claim = \"app_metadata.\"", "auth.org_claim must be"},
    {"org_claim_custom", "org_claim = \"tenant.org\"", ""},
    {"clock_skew_too_long", "clock_skew = \"1h\"", "auth.clock_skew must be between 0s and 10m"},
    {"clock_skew_zero", "clock_skew = \"0s\"", ""},
    {"max_token_bytes_tiny", "max_token_bytes = 100", "auth.max_token_bytes must be"},
};

class TokenOptions : public testing::TestWithParam<AuthOptionCase> {};

TEST_P(TokenOptions, Load) {
  const auto path = temp_file("options.toml", "[auth]\n" + GetParam().toml + "\n");
  const auto result =
      load_config(path.string(), [](std::string_view) { return std::optional<std::string>(); });
  std::string errors;
  for (const auto& error : result.errors) errors += error + "\n";
  if (GetParam().error_part.empty())
    EXPECT_TRUE(result.ok()) << errors;
  else
    EXPECT_NE(errors.find(GetParam().error_part), std::string::npos) << errors;
}

INSTANTIATE_TEST_SUITE_P(Token, TokenOptions, testing::ValuesIn(auth_option_cases),
                         [](const testing::TestParamInfo<AuthOptionCase>& info) {
                           return info.param.name;
                         });

TEST(TokenOptionsWarning, NoKeyConfigured) {
  const auto no_env = [](std::string_view) { return std::optional<std::string>(); };
  const auto has_warning = [](const LoadResult& result) {
    for (const auto& warning : result.warnings)
      if (warning.find("no JWT key is configured") != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has_warning(load_config("", no_env)));
  EXPECT_FALSE(has_warning(load_config("", [](std::string_view name) {
    return name == "SUPABASE_JWT_SECRET" ? std::optional<std::string>("s") : std::nullopt;
  })));
}

// ---------------------------------------------------------------- base64url

TEST(JwtBase64url, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(base64url_encode(bytes), text);
    EXPECT_EQ(base64url_decode(text), bytes) << text;
  }
}

TEST(JwtBase64url, RefusesEverythingButCanonicalUnpadded) {
  for (const std::string& text :
       std::vector<std::string>{"Zg==", "Zg=", "Zh", "Zm9=", "Z", "Zm9vY", "+/8", "Zm 9v", "Zm9v\n",
                                "Zm9v.", std::string("Zm\0v", 4)})
    EXPECT_FALSE(base64url_decode(text)) << text;
}

// ---------------------------------------------------------------- development tokens

// HMAC-SHA256 by the openssl command line, so minted tokens are not checked only by voxgate.
std::string openssl_hmac_sha256(const std::string& key, const std::string& input) {
  std::string hex_key;
  for (unsigned char c : key) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", c);
    hex_key += buf;
  }
  const auto input_file = temp_file("mint_input", input);
  const std::string command = "openssl dgst -sha256 -mac HMAC -macopt hexkey:" + hex_key +
                              " -binary " + input_file.string();
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[256];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    pclose(pipe);
  }
  return out;
}

TEST(TokenMint, SignatureMatchesOpensslAndClaimsAreSupabaseShaped) {
  AuthConfig config = config_with(Keys::secret);
  const std::string token = mint_dev_token(config, "user-9", "org-9", now, 600);
  const auto last_dot = token.rfind('.');
  ASSERT_NE(last_dot, std::string::npos);
  const auto signature = base64url_decode(token.substr(last_dot + 1));
  ASSERT_TRUE(signature);
  EXPECT_EQ(*signature, openssl_hmac_sha256(config.jwt_secret, token.substr(0, last_dot)));

  const auto first_dot = token.find('.');
  const auto header = boost::json::parse(*base64url_decode(token.substr(0, first_dot)));
  EXPECT_EQ(header.at("alg"), "HS256");
  const auto claims =
      boost::json::parse(*base64url_decode(token.substr(first_dot + 1, last_dot - first_dot - 1)));
  EXPECT_EQ(claims.at("sub"), "user-9");
  EXPECT_EQ(claims.at("app_metadata").at("org_id"), "org-9");
  EXPECT_EQ(claims.at("exp").to_number<std::int64_t>(), now + 600);
  EXPECT_EQ(claims.at("iss"), issuer.c_str());
  EXPECT_EQ(claims.at("aud"), "authenticated");
  EXPECT_EQ(claims.at("role"), "authenticated");
}

TEST(TokenMint, VerifiesUnderTheSameConfig) {
  AuthConfig config = config_with(Keys::all);
  config.org_claim = "tenant.org";
  const auto verifier = verifier_for(config);
  const auto check = verifier->verify(mint_dev_token(config, "u", "o", now, 60), now + 30);
  ASSERT_TRUE(check.identity) << check.detail;
  EXPECT_EQ(check.identity->user_id, "u");
  EXPECT_EQ(check.identity->org_id, "o");
  EXPECT_EQ(check.identity->expires_at, now + 60);
  EXPECT_TRUE(verifier->verify(mint_dev_token(config, "u", "o", now, 60), now + 91).expired());
}

TEST(TokenMint, NothingWithoutASecret) {
  EXPECT_EQ(mint_dev_token(config_with(Keys::jwks), "u", "o", now, 60), "");
}

// `voxgate token`: prints a token serve would accept, or refuses with the setting to change.
TEST(TokenCommand, PrintsATokenTheConfiguredVerifierAccepts) {
  if (std::getenv("SUPABASE_JWT_SECRET") || std::getenv("VOXGATE_AUTH_JWT_SECRET"))
    GTEST_SKIP() << "a JWT secret in the environment overrides the test's config file";
  const auto path = temp_file("token.toml", "[auth]\njwt_secret = \"cli-secret\"\n");
  std::ostringstream out;
  auto* old = std::cout.rdbuf(out.rdbuf());
  const int status = cli::token(path.string(), "user-5", "org-5", 300);
  std::cout.rdbuf(old);
  ASSERT_EQ(status, 0);
  std::string token = out.str();
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(token.back(), '\n');
  token.pop_back();
  AuthConfig config;
  config.jwt_secret = "cli-secret";
  const auto check = verifier_for(config)->verify(token, std::time(nullptr));
  ASSERT_TRUE(check.identity) << check.detail;
  EXPECT_EQ(check.identity->org_id, "org-5");
}

TEST(TokenCommand, RefusesWithoutASecret) {
  if (std::getenv("SUPABASE_JWT_SECRET") || std::getenv("VOXGATE_AUTH_JWT_SECRET"))
    GTEST_SKIP() << "a JWT secret in the environment overrides the test's config file";
  const auto path = temp_file("nosecret.toml", "[auth]\naudience = \"authenticated\"\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(cli::token(path.string(), "u", "o", 60), 1);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("SUPABASE_JWT_SECRET"), std::string::npos);
}

}  // namespace
}  // namespace voxgate
