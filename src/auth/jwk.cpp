#include "auth/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include "auth/base64url.hpp"

namespace voxgate {
namespace {

constexpr std::size_t p256_coordinate_bytes = 32;

// The member as text; nullopt when absent; `error` set when present but not a string.
std::optional<std::string> text_member(const boost::json::object& jwk, std::string_view name,
                                       std::string& error) {
  const auto* value = jwk.if_contains(name);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    error = std::string(name) + " must be a string";
    return std::nullopt;
  }
  return std::string(value->get_string());
}

// A required base64url member, decoded.
std::optional<std::string> bytes_member(const boost::json::object& jwk, std::string_view name,
                                        std::string& error) {
  auto text = text_member(jwk, name, error);
  if (!text) {
    if (error.empty()) error = std::string(name) + " is missing";
    return std::nullopt;
  }
  auto decoded = base64url_decode(*text);
  if (!decoded || decoded->empty()) error = std::string(name) + " is not unpadded base64url";
  return decoded;
}

EvpPkeyPtr key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(builder));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    key = nullptr;
  ERR_clear_error();
  return EvpPkeyPtr(key);
}

EvpPkeyPtr rsa_key(const std::string& n, const std::string& e) {
  const auto* n_bytes = reinterpret_cast<const unsigned char*>(n.data());
  const auto* e_bytes = reinterpret_cast<const unsigned char*>(e.data());
  BignumPtr modulus(BN_bin2bn(n_bytes, static_cast<int>(n.size()), nullptr));
  BignumPtr exponent(BN_bin2bn(e_bytes, static_cast<int>(e.size()), nullptr));
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !builder ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()))
    return nullptr;
  return key_from_params("RSA", builder.get());
}

EvpPkeyPtr p256_key(const std::string& x, const std::string& y) {
  // SEC 1 uncompressed point: 0x04 || x || y.
  std::string point = "\x04" + x + y;
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                       0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    return nullptr;
  return key_from_params("EC", builder.get());
}

}  // namespace

JwkOutcome public_key_from_jwk(const boost::json::object& jwk) {
  JwkOutcome out;
  std::string& error = out.error;
  const auto kty = text_member(jwk, "kty", error);
  const auto kid = text_member(jwk, "kid", error);
  const auto use = text_member(jwk, "use", error);
  const auto alg = text_member(jwk, "alg", error);
  if (!error.empty()) return out;
  if (!kty) {
    error = "kty is missing";
    return out;
  }
  if (use && *use != "sig") {
    out.skipped = "use is \"" + *use + "\", not \"sig\"";
    return out;
  }
  EvpPkeyPtr key;
  if (*kty == "RSA") {
    if (alg && *alg != "RS256") {
      out.skipped = "alg " + *alg + " is not one voxgate verifies";
      return out;
    }
    const auto n = bytes_member(jwk, "n", error);
    const auto e = bytes_member(jwk, "e", error);
    if (!error.empty()) return out;
    key = rsa_key(*n, *e);
  } else if (*kty == "EC") {
    const auto crv = text_member(jwk, "crv", error);
    if (!error.empty()) return out;
    if (!crv || *crv != "P-256" || (alg && *alg != "ES256")) {
      out.skipped = "an EC key for " + (alg ? *alg : crv.value_or("an unnamed curve")) +
                    "; voxgate verifies ES256 on P-256 only";
      return out;
    }
    const auto x = bytes_member(jwk, "x", error);
    const auto y = bytes_member(jwk, "y", error);
    if (!error.empty()) return out;
    if (x->size() != p256_coordinate_bytes || y->size() != p256_coordinate_bytes) {
      error = "x and y of a P-256 key are 32 bytes each";
      return out;
    }
    key = p256_key(*x, *y);
  } else {
    out.skipped = "kty " + *kty + " is not RSA or EC";
    return out;
  }
  if (!key) {
    error = "OpenSSL refused the key material (not a valid " + *kty + " public key)";
    return out;
  }
  std::string why;
  out.key = classify_public_key(std::move(key), kid.value_or(""), why);
  if (!out.key) error = why;
  return out;
}

}  // namespace voxgate
