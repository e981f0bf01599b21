#pragma once
// The configuration in force: an immutable snapshot swapped whole on reload, so a request
// sees one consistent config and open connections keep the one they started with.

#include <atomic>
#include <memory>

#include "config/config.hpp"
#include "config/load.hpp"
#include "limits/client_address.hpp"
#include "policy/origin_policy.hpp"

namespace voxgate {

class TokenVerifier;

struct Settings {
  Config config;
  OriginPolicy origins;
  std::shared_ptr<const TokenVerifier> tokens;  // never null once loaded
  TrustedProxies proxies;                       // [limits].trusted_proxies

  Settings(Config c, std::vector<std::string>* errors);
};

using SettingsPtr = std::shared_ptr<const Settings>;

struct SettingsLoad {
  SettingsPtr settings;  // null when there are errors
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

// The config file and environment, validated whole: an origin entry that does not parse is
// an error, so a typo in FRONTEND_URL is refused instead of silently refusing browsers.
SettingsLoad load_settings(const std::string& path, const Environment& env);

class SettingsStore {
 public:
  explicit SettingsStore(SettingsPtr initial) : current_(std::move(initial)) {}
  SettingsPtr get() const { return current_.load(std::memory_order_acquire); }
  void set(SettingsPtr next) { current_.store(std::move(next), std::memory_order_release); }

 private:
  std::atomic<SettingsPtr> current_;
};

}  // namespace voxgate
