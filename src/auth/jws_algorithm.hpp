#pragma once
// The JWS algorithms voxgate verifies, and the kind of key each one needs.

#include <optional>
#include <string_view>

namespace voxgate {

enum class JwsAlgorithm { hs256, rs256, es256 };

// The key kind an algorithm is verified with: tying the two defeats algorithm confusion (an
// HS256 token "signed" with a public key's bytes is never checked against that public key).
enum class KeyFamily { hmac, rsa, ec_p256 };

// Exact, case-sensitive names as RFC 7518 writes them; nullopt for anything else.
std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view name);
std::string_view to_string(JwsAlgorithm algorithm);
KeyFamily key_family(JwsAlgorithm algorithm);
std::string_view to_string(KeyFamily family);  // "HMAC secret", "RSA", "EC P-256"

// "HS256, RS256, ES256": the names [auth].algorithms accepts, for messages.
inline constexpr std::string_view supported_jws_algorithms = "HS256, RS256, ES256";

}  // namespace voxgate
