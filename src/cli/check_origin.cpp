// `voxgate check-origin`: would this Origin be allowed by this config and environment, and why.

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "config/load.hpp"
#include "policy/origin_policy.hpp"

namespace voxgate::cli {

int check_origin(const std::string& config_path, const std::string& origin) {
  const LoadResult loaded = load_config(config_path);
  for (const auto& warning : loaded.warnings) std::cerr << "warning: " << warning << "\n";
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) std::cerr << "error: " << error << "\n";
    return 2;
  }
  std::vector<std::string> entry_errors;
  const OriginPolicy policy(loaded.config.origins.allow, loaded.config.origins.allow_missing,
                            &entry_errors);
  for (const auto& error : entry_errors) std::cerr << "warning: entry skipped: " << error << "\n";

  // "" is tested as a present but empty header (malformed), never as a missing one.
  const OriginDecision decision = policy.decide(origin);
  std::cout << explain_decision(origin, decision);
  return decision.allowed ? 0 : 1;
}

}  // namespace voxgate::cli
