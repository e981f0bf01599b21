// Config files are hand-edited and environments come from deploy tools: load arbitrary ones.
//
// Input: a TOML file, optionally followed by a line "#env" and NAME=VALUE lines, the process
// environment load_config sees. The file is written to a scratch folder of this process.
// A config that loads must also build its settings (origin policy, keys, proxies) and survive
// describe_config: `check-config` output loads again to the same values (when the input is
// UTF-8 text, as TOML must be).

#include <map>

#include "config/load.hpp"
#include "config/options.hpp"
#include "config/values.hpp"
#include "fuzz_support.hpp"
#include "net/settings.hpp"
#include "net/utf8.hpp"

namespace {

using namespace voxgate;

constexpr std::string_view kEnvMarker = "\n#env\n";

const fuzz::ScratchDir& scratch() {
  static const fuzz::ScratchDir dir;
  return dir;
}

Environment environment_of(std::string_view lines) {
  std::map<std::string, std::string, std::less<>> vars;
  for (auto line : fuzz::split(lines, '\n')) {
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) vars[std::string(line.substr(0, eq))] = line.substr(eq + 1);
  }
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto found = vars.find(name);
    if (found == vars.end()) return std::nullopt;
    return found->second;
  };
}

// Key files are read by the settings: only regular files, never a device such as /dev/zero.
bool readable_key_files(const AuthConfig& auth) {
  for (const auto& path : {auth.public_key_file, auth.jwks_file}) {
    std::error_code ec;
    if (!path.empty() && !std::filesystem::is_regular_file(path, ec)) return false;
  }
  return true;
}

void check_describe_round_trip(const Config& config) {
  const std::string described = describe_config(config);
  const auto reloaded = load_config(scratch().write("described.toml", described),
                                    [](std::string_view) { return std::nullopt; });
  if (!reloaded.ok()) std::fprintf(stderr, "%s\n", reloaded.errors.front().c_str());
  FUZZ_CHECK(reloaded.ok());
  for (const auto& option : options()) {
    if (option.secret) continue;  // masked in the description
    FUZZ_CHECK(toml_literal(option, option.access.get(config), false) ==
               toml_literal(option, option.access.get(reloaded.config), false));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::as_text(data, size);
  const auto marker = input.find(kEnvMarker);
  const auto file = input.substr(0, marker);
  const auto env =
      environment_of(marker == std::string_view::npos ? std::string_view()
                                                      : input.substr(marker + kEnvMarker.size()));

  const LoadResult result = load_config(scratch().write("voxgate.toml", file), env);
  for (const auto& error : result.errors) FUZZ_CHECK(!error.empty());
  if (!result.ok()) return 0;
  resolve_listen({}, result.config, env);
  // TOML text is UTF-8: an environment value that is not is shown as it is, and cannot load.
  if (is_valid_utf8(input)) check_describe_round_trip(result.config);
  if (!readable_key_files(result.config.auth)) return 0;
  std::vector<std::string> errors;
  const Settings settings(result.config, &errors);
  FUZZ_CHECK(settings.tokens || !errors.empty());
  return 0;
}
