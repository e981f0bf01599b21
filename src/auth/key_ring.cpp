#include "auth/key_ring.hpp"

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "auth/jwk.hpp"
#include "auth/token_check.hpp"

namespace voxgate {
namespace {

// A key set is a few kilobytes; a larger file is a wrong path, not a key set.
constexpr std::streamsize largest_jwks_file = 1024 * 1024;

std::optional<std::string> read_small_file(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot be opened";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.tellp() > largest_jwks_file) {
    why = "is larger than 1MiB, too large for a key set";
    return std::nullopt;
  }
  return text.str();
}

// The usable keys of a JWKS document ({"keys": [...]}); `why` set on any fault.
std::vector<PublicKey> parse_jwks(std::string_view text, std::string& why) {
  std::vector<PublicKey> keys;
  boost::system::error_code ec;
  const auto document = boost::json::parse(text, ec);
  const auto* set = ec ? nullptr : document.if_object();
  const auto* list = set && set->if_contains("keys") ? set->at("keys").if_array() : nullptr;
  if (!list) {
    why = "is not a JWKS document (a JSON object with a \"keys\" array)";
    return {};
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto* jwk = (*list)[i].if_object();
    JwkOutcome outcome = jwk ? public_key_from_jwk(*jwk) : JwkOutcome{{}, {}, "not an object"};
    if (!outcome.error.empty()) {
      why = "keys[" + std::to_string(i) + "]: " + outcome.error;
      return {};
    }
    if (!outcome.key) continue;
    for (const auto& earlier : keys)
      if (!earlier.kid.empty() && earlier.kid == outcome.key->kid) {
        why = "two keys have kid " + quoted_for_log(earlier.kid) + "; a kid must name one key";
        return {};
      }
    keys.push_back(std::move(*outcome.key));
  }
  if (keys.empty()) why = "has no RS256 (RSA) or ES256 (EC P-256) signing key";
  return keys;
}

}  // namespace

std::optional<KeyRing> KeyRing::load(const AuthConfig& config, std::string& error) {
  KeyRing ring;
  if (!config.jwt_secret.empty()) {
    ring.secret_.emplace(config.jwt_secret);
    if (!ring.secret_->ready()) {
      error = "auth.jwt_secret: OpenSSL offers no HMAC-SHA256; check the OpenSSL installation";
      return std::nullopt;
    }
  }
  std::string why;
  if (!config.public_key_file.empty()) {
    ring.pem_ = read_pem_public_key(config.public_key_file, why);
    if (!ring.pem_) {
      error = "auth.public_key_file " + config.public_key_file + " " + why;
      return std::nullopt;
    }
  }
  if (!config.jwks_file.empty()) {
    const auto text = read_small_file(config.jwks_file, why);
    if (text) ring.jwks_ = parse_jwks(*text, why);
    if (!why.empty()) {
      error = "auth.jwks_file " + config.jwks_file + " " + why;
      return std::nullopt;
    }
  }
  return ring;
}

KeyRing::Selection KeyRing::select(KeyFamily family, std::optional<std::string_view> kid) const {
  Selection out;
  const bool pem_fits = pem_ && pem_->family == family;
  if (kid) {
    for (const auto& key : jwks_) {
      if (key.kid != *kid) continue;
      if (key.family == family)
        out.keys.push_back(&key);
      else
        out.why_none = "kid " + quoted_for_log(*kid) + " is an " +
                       std::string(to_string(key.family)) + " key, unusable for " +
                       std::string(to_string(family)) + " signatures";
      return out;
    }
  } else {
    for (const auto& key : jwks_)
      if (key.family == family) out.keys.push_back(&key);
  }
  if (pem_fits) out.keys.push_back(&*pem_);
  if (out.keys.empty())
    out.why_none = kid ? "no key with kid " + quoted_for_log(*kid) + " in auth.jwks_file and no " +
                             std::string(to_string(family)) + " key in auth.public_key_file"
                       : "no " + std::string(to_string(family)) +
                             " public key is configured (auth.jwks_file, auth.public_key_file)";
  return out;
}

}  // namespace voxgate
