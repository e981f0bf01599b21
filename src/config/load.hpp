#pragma once
// Reading the configuration: one TOML file, then the environment on top.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace voxgate {

// Looks up an environment variable; injectable so tests need not touch the process environment.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

struct LoadResult {
  Config config;
  std::vector<std::string> errors;    // any error: the config must not be used
  std::vector<std::string> warnings;  // usable, but the user should know (e.g. empty origin list)
  bool ok() const { return errors.empty(); }
};

// Reads `path` (empty: defaults only), then applies the environment.
// Single values: the environment overrides the file. Origin lists: merged.
LoadResult load_config(const std::string& path, const Environment& env = process_environment());

// The effective configuration as TOML, secrets masked, each value annotated with its source.
std::string describe_config(const Config& config);

// voxgate.example.toml as generated from the option table: every option, default, meaning.
std::string example_toml();

// serve's address: --listen, else VOXGATE_SERVER_LISTEN or VOXGATE_LISTEN, else 0.0.0.0:$PORT,
// else [server].listen (load_config already applied the same environment rule).
std::string resolve_listen(const std::string& flag, const Config& config, const Environment& env);

// A warning when development tokens can be minted by anyone who reaches `listen` (an address
// that is not loopback); empty otherwise. serve and check-config give it the address in use.
std::string dev_listen_warning(const Config& config, std::string_view listen);

}  // namespace voxgate
