#pragma once
// The HS256 key: the HMAC-SHA256 state keyed once, copied for each token.

#include <optional>
#include <string>
#include <string_view>

#include "auth/openssl_handles.hpp"

namespace voxgate {

class HmacSecret {
 public:
  // Keys a template context; ready() is false if OpenSSL cannot (no HMAC or SHA-256).
  explicit HmacSecret(std::string_view secret);
  bool ready() const { return keyed_ != nullptr; }

  // The raw 32-byte HMAC-SHA256 of `input`; nullopt if OpenSSL fails.
  std::optional<std::string> sign(std::string_view input) const;

  // Compares in constant time, so the time taken says nothing about how many bytes matched.
  bool matches(std::string_view input, std::string_view signature) const;

 private:
  // Only ever read (EVP_MAC_CTX_dup), never updated, so threads share it; copying it per token
  // skips the key schedule, half the cost of an HS256 check.
  EvpMacCtxPtr keyed_;
};

}  // namespace voxgate
