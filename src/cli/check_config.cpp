// voxgate check-config: loads the configuration as serve would and shows the effective values.
#include <iostream>

#include "cli/commands.hpp"
#include "config/load.hpp"
#include "policy/origin_policy.hpp"

namespace voxgate::cli {

int check_config(const std::string& config_path) {
  LoadResult result = load_config(config_path);
  // An origin entry the policy cannot use would be skipped by serve: refuse it here instead.
  if (result.ok()) {
    const Config& config = result.config;
    OriginPolicy policy(config.origins.allow, config.origins.allow_missing, &result.errors);
  }
  for (const auto& warning : result.warnings) std::cerr << "WARNING: " << warning << '\n';
  for (const auto& error : result.errors) std::cerr << "error: " << error << '\n';
  if (!result.ok()) {
    std::cerr << "configuration refused: " << result.errors.size() << " error(s)\n";
    return 1;
  }
  std::cout << describe_config(result.config);
  return 0;
}

}  // namespace voxgate::cli
