#include "auth/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cctype>

namespace voxgate {
namespace {
using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

// Comparing digests hides the keys' lengths, which a byte compare would stop at.
Digest digest(std::string_view s) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}
}  // namespace

std::optional<std::size_t> matching_api_key(std::string_view presented,
                                            const std::vector<std::string>& keys) {
  if (presented.empty()) return std::nullopt;
  Digest p = digest(presented);
  std::size_t found = keys.size();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].empty()) continue;
    Digest k = digest(keys[i]);
    // Every key is compared whichever matches: no early exit to time.
    std::size_t same = CRYPTO_memcmp(p.data(), k.data(), p.size()) == 0;
    found = same * i + (1 - same) * found;
  }
  if (found == keys.size()) return std::nullopt;
  return found;
}

bool api_key_matches(std::string_view presented, const std::vector<std::string>& keys) {
  return matching_api_key(presented, keys).has_value();
}

std::string_view bearer_token(std::string_view h) {
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return {};
  std::string_view token = h.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace voxgate
