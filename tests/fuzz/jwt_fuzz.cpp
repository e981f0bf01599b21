// Every live-calls subscribe and API call hands us a bearer token: verify arbitrary ones.
//
// Input: the token. It is checked against the keys of tests/unit/jwt_fixtures (an HS256 secret,
// an RSA PEM key, a JWKS of RSA and EC P-256 keys) at the fixtures' fixed time, so the seed
// tokens, made by generate.py, verify.

#include "auth/jwt.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace voxgate;

constexpr std::int64_t kFixtureNow = 1'700'000'000;  // generate.py's NOW
const std::string kFixtures = "tests/unit/jwt_fixtures/";

std::shared_ptr<const TokenVerifier> verifier(AuthConfig config) {
  std::string error;
  auto out = TokenVerifier::from_config(config, error);
  if (!out) {
    std::fprintf(stderr, "fuzz: verifier: %s\n", error.c_str());
    std::abort();
  }
  return out;
}

struct Verifiers {
  std::shared_ptr<const TokenVerifier> secret_only, pem_only, everything;
};

const Verifiers& verifiers() {
  static const Verifiers all = [] {
    const std::string dir = std::string(VOXGATE_SOURCE_DIR) + "/" + kFixtures;
    AuthConfig secret;
    secret.jwt_secret = fuzz::read_fixture(kFixtures + "hs256.secret");
    secret.algorithms = {"HS256"};
    AuthConfig pem;
    pem.public_key_file = dir + "rsa_public.pem";
    pem.algorithms = {"RS256", "ES256"};
    AuthConfig every = secret;
    every.public_key_file = dir + "ec_public.pem";
    every.jwks_file = dir + "jwks.json";
    every.algorithms = {"HS256", "RS256", "ES256"};
    every.issuer = "https://project.supabase.co/auth/v1";
    every.audience = "authenticated";
    return Verifiers{verifier(secret), verifier(pem), verifier(every)};
  }();
  return all;
}

// A refusal's detail reaches the logs: one line of printable text that never repeats the token.
void check(const TokenCheck& result, std::string_view token) {
  FUZZ_CHECK(result.identity.has_value() == (result.error == TokenError::none));
  FUZZ_CHECK(to_string(result.error) != "unknown");
  for (char c : result.detail) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte >= 0x20 && byte < 0x7f);
  }
  // Longer than any text the detail quotes (40 bytes), and without the blanks of its phrases.
  if (token.size() >= 48 && token.find(' ') == std::string_view::npos)
    FUZZ_CHECK(result.detail.find(token) == std::string::npos);
  if (result.identity) {
    FUZZ_CHECK(!result.identity->user_id.empty());
    FUZZ_CHECK(!result.identity->org_id.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto token = fuzz::as_text(data, size);
  const auto& all = verifiers();
  for (const auto* v : {&all.secret_only, &all.pem_only, &all.everything})
    check((*v)->verify(token, kFixtureNow), token);
  return 0;
}
