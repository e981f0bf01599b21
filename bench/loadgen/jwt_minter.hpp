#pragma once
// Mints HS256 user tokens shaped like Supabase's (sub, exp, app_metadata.org_id), written
// independently of voxgate's verifier so the benchmark exercises it as a real client would.

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

class JwtMinter {
 public:
  explicit JwtMinter(std::string secret);
  std::string mint(std::string_view user_id, std::string_view org_id, std::int64_t exp_unix) const;

 private:
  std::string secret_;
  std::string header_;  // base64url of the fixed header, computed once
};

}  // namespace loadgen
