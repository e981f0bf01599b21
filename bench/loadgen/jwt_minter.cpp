#include "jwt_minter.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "base64.hpp"

namespace loadgen {

JwtMinter::JwtMinter(std::string secret)
    : secret_(std::move(secret)), header_(base64url(R"({"alg":"HS256","typ":"JWT"})")) {
  if (secret_.empty()) throw std::invalid_argument("--jwt-secret is required");
}

std::string JwtMinter::mint(std::string_view user_id, std::string_view org_id,
                            std::int64_t exp_unix) const {
  // Ids here are generated ("user-12", "org-3"), so they need no JSON escaping.
  std::string claims = R"({"sub":")";
  claims += user_id;
  claims += R"(","aud":"authenticated","role":"authenticated","exp":)";
  claims += std::to_string(exp_unix);
  claims += R"(,"app_metadata":{"org_id":")";
  claims += org_id;
  claims += R"("}})";
  std::string token = header_ + "." + base64url(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
            reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &mac_len))
    throw std::runtime_error("HMAC-SHA256 failed");
  token += '.';
  token += base64url({reinterpret_cast<const char*>(mac), mac_len});
  return token;
}

}  // namespace loadgen
