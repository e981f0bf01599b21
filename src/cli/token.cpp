// voxgate token: a development JWT for browser tests and the dashboard, as Supabase would issue.
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
  // A token the gateway itself would refuse only wastes the user's time.
  if (auto problem = dev_token_problem(auth); !problem.empty()) {
    std::cerr << "error: " << problem << '\n';
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
