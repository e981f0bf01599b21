// voxgate check-config: loads the configuration as serve would and shows the effective values.
#include <iostream>

#include "cli/commands.hpp"
#include "net/settings.hpp"

namespace voxgate::cli {

int check_config(const std::string& config_path) {
  // The same loading as serve: what is refused here is what serve would refuse to start with.
  const SettingsLoad loaded = load_settings(config_path, process_environment());
  for (const auto& warning : loaded.warnings) std::cerr << "WARNING: " << warning << '\n';
  for (const auto& error : loaded.errors) std::cerr << "error: " << error << '\n';
  if (!loaded.settings) {
    std::cerr << "configuration refused: " << loaded.errors.size() << " error(s)\n";
    return 1;
  }
  if (auto w = dev_listen_warning(loaded.settings->config, loaded.settings->config.server.listen);
      !w.empty())
    std::cerr << "WARNING: " << w << '\n';
  std::cout << describe_config(loaded.settings->config);
  return 0;
}

}  // namespace voxgate::cli
