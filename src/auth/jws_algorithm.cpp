#include "auth/jws_algorithm.hpp"

namespace voxgate {

std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view name) {
  if (name == "HS256") return JwsAlgorithm::hs256;
  if (name == "RS256") return JwsAlgorithm::rs256;
  if (name == "ES256") return JwsAlgorithm::es256;
  return std::nullopt;
}

std::string_view to_string(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::hs256:
      return "HS256";
    case JwsAlgorithm::rs256:
      return "RS256";
    case JwsAlgorithm::es256:
      return "ES256";
  }
  return "?";
}

KeyFamily key_family(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::hs256:
      return KeyFamily::hmac;
    case JwsAlgorithm::rs256:
      return KeyFamily::rsa;
    case JwsAlgorithm::es256:
      return KeyFamily::ec_p256;
  }
  return KeyFamily::hmac;
}

std::string_view to_string(KeyFamily family) {
  switch (family) {
    case KeyFamily::hmac:
      return "HMAC secret";
    case KeyFamily::rsa:
      return "RSA";
    case KeyFamily::ec_p256:
      return "EC P-256";
  }
  return "?";
}

}  // namespace voxgate
