#pragma once
// One JSON Web Key (RFC 7517) of a JWKS as a public key: RSA (n, e) or EC P-256 (x, y).

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "auth/public_key.hpp"

namespace voxgate {

// A key set may hold keys voxgate has no use for (encryption keys, other curves and
// algorithms): those are skipped with a reason. A usable kind of key written wrongly is an error.
struct JwkOutcome {
  std::optional<PublicKey> key;
  std::string skipped;  // why the key is of no use here; not an error
  std::string error;    // why a key of a usable kind is broken
};

JwkOutcome public_key_from_jwk(const boost::json::object& jwk);

}  // namespace voxgate
