// voxgate token: a development JWT for browser tests and the dashboard, as Supabase would issue.
#include <algorithm>
#include <iostream>

#include "auth/jwt.hpp"
#include "cli/commands.hpp"
#include "net/settings.hpp"
#include "ops/clock.hpp"

namespace voxgate::cli {

int token(const std::string& config_path, const std::string& user, const std::string& org,
          int ttl_seconds) {
  const SettingsLoad loaded = load_settings(config_path, process_environment());
  for (const auto& error : loaded.errors) std::cerr << "error: " << error << '\n';
  if (!loaded.settings) {
    std::cerr << "configuration refused: " << loaded.errors.size() << " error(s)\n";
    return 1;
  }
  const AuthConfig& auth = loaded.settings->config.auth;
  if (auth.jwt_secret.empty()) {
    std::cerr << "error: auth.jwt_secret is not set: set SUPABASE_JWT_SECRET or [auth].jwt_secret "
                 "to mint development tokens\n";
    return 1;
  }
  // A token the gateway itself would refuse only wastes the user's time.
  if (std::find(auth.algorithms.begin(), auth.algorithms.end(), "HS256") == auth.algorithms.end()) {
    std::cerr << "error: auth.algorithms does not allow HS256, so serve would refuse the token; "
                 "add \"HS256\" to [auth].algorithms\n";
    return 1;
  }
  if (user.empty() || org.empty() || ttl_seconds <= 0) {
    std::cerr << "error: a token needs a non-empty user, a non-empty org and a ttl above 0\n";
    return 1;
  }
  const std::string minted = mint_dev_token(auth, user, org, unix_millis_now() / 1000, ttl_seconds);
  if (minted.empty()) {
    std::cerr << "error: could not sign the token (OpenSSL HMAC failed)\n";
    return 1;
  }
  std::cout << minted << '\n';
  return 0;
}

}  // namespace voxgate::cli
