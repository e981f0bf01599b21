// A JWKS file is often fetched from an identity provider and saved as is: load arbitrary ones.
//
// Input: the content of [auth].jwks_file. A key set that loads then verifies the RS256 and
// ES256 tokens of tests/unit/jwt_fixtures (valid under tests/unit/jwt_fixtures/jwks.json).

#include <sstream>

#include "auth/jwt.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace voxgate;

constexpr std::int64_t kFixtureNow = 1'700'000'000;  // generate.py's NOW

const fuzz::ScratchDir& scratch() {
  static const fuzz::ScratchDir dir;
  return dir;
}

// The signed tokens of tokens.txt that a JWKS decides: by kid, and without one.
const std::vector<std::string>& fixture_tokens() {
  static const std::vector<std::string> tokens = [] {
    std::vector<std::string> out;
    std::istringstream lines(fuzz::read_fixture("tests/unit/jwt_fixtures/tokens.txt"));
    std::string line;
    while (std::getline(lines, line)) {
      const auto space = line.find(' ');
      const std::string name = line.substr(0, space);
      if (name == "rs256_kid" || name == "rs256_kid2" || name == "rs256_nokid" ||
          name == "es256_kid" || name == "es256_nokid" || name == "rs256_kid_of_ec")
        out.push_back(line.substr(space + 1));
    }
    return out;
  }();
  return tokens;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  AuthConfig config;
  config.jwks_file = scratch().write("jwks.json", fuzz::as_text(data, size));
  config.algorithms = {"RS256", "ES256"};
  std::string error;
  const auto verifier = TokenVerifier::from_config(config, error);
  FUZZ_CHECK((verifier == nullptr) == !error.empty());
  for (char c : error) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  if (!verifier) return 0;
  FUZZ_CHECK(verifier->configured());
  for (const auto& token : fixture_tokens()) {
    const TokenCheck result = verifier->verify(token, kFixtureNow);
    FUZZ_CHECK(result.identity.has_value() == (result.error == TokenError::none));
  }
  return 0;
}
