#include "net/settings.hpp"

namespace voxgate {

SettingsLoad load_settings(const std::string& path, const Environment& env) {
  SettingsLoad out;
  LoadResult loaded = load_config(path, env);
  out.errors = std::move(loaded.errors);
  out.warnings = std::move(loaded.warnings);
  if (!out.errors.empty()) return out;
  std::vector<std::string> origin_errors;
  auto settings = std::make_shared<const Settings>(std::move(loaded.config), &origin_errors);
  for (auto& e : origin_errors) out.errors.push_back("origin entry " + e);
  if (out.errors.empty()) out.settings = std::move(settings);
  return out;
}

}  // namespace voxgate
