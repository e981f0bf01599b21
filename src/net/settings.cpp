#include "net/settings.hpp"

#include "auth/jwt.hpp"

namespace voxgate {

Settings::Settings(Config c, std::vector<std::string>* errors)
    : config(std::move(c)), origins(config.origins.allow, config.origins.allow_missing, errors) {
  if (errors)
    for (auto& e : *errors) e = "origin entry " + e;
  std::string error;
  tokens = TokenVerifier::from_config(config.auth, error);
  if (!tokens && errors) errors->push_back(error);
  proxies = TrustedProxies(config.limits.trusted_proxies, errors);
}

SettingsLoad load_settings(const std::string& path, const Environment& env) {
  SettingsLoad out;
  LoadResult loaded = load_config(path, env);
  out.errors = std::move(loaded.errors);
  out.warnings = std::move(loaded.warnings);
  if (!out.errors.empty()) return out;
  auto settings = std::make_shared<const Settings>(std::move(loaded.config), &out.errors);
  if (out.errors.empty()) out.settings = std::move(settings);
  return out;
}

}  // namespace voxgate
