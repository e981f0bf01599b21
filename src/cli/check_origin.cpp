// `voxgate check-origin`: would this Origin be allowed by this config and environment, and why.

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "net/settings.hpp"

namespace voxgate::cli {

int check_origin(const std::string& config_path, const std::string& origin) {
  // The same loading as serve, so the answer is the one the gateway would give.
  const SettingsLoad loaded = load_settings(config_path, process_environment());
  for (const auto& warning : loaded.warnings) std::cerr << "warning: " << warning << "\n";
  if (!loaded.settings) {
    for (const auto& error : loaded.errors) std::cerr << "error: " << error << "\n";
    return 2;
  }
  // "" is tested as a present but empty header (malformed), never as a missing one.
  const OriginDecision decision = loaded.settings->origins.decide(origin);
  std::string text = explain_decision(origin, decision);
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  std::cout << text;
  return decision.allowed ? 0 : 1;
}

}  // namespace voxgate::cli
