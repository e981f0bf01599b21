// Precedence, highest first, for every single-valued option:
//   environment (the option's variables in table order) > config file > default in config.hpp.
// For the listen address this gives: serve --listen (resolve_listen) > VOXGATE_SERVER_LISTEN >
// VOXGATE_LISTEN > PORT (as 0.0.0.0:$PORT) > [server].listen > 127.0.0.1:8080.
// load_config applies the environment part too, so check-config shows the address serve uses.
// String lists (origins, API keys) are merged instead: file entries, then each variable's.
#include "config/load.hpp"

#include <boost/asio/ip/address.hpp>
#include <cstdlib>
#include <filesystem>

#include "config/file.hpp"
#include "config/options.hpp"
#include "config/values.hpp"

namespace voxgate {
namespace {

struct SetVariable {
  const EnvVar* var;
  std::string text;
};

// The option's variables that are set, in table order; an empty or blank one counts as unset.
std::vector<SetVariable> set_variables(const Option& option, const Environment& env) {
  std::vector<SetVariable> found;
  for (const auto& var : option.env) {
    auto text = env(var.name);
    if (text && text->find_first_not_of(" \t\r\n") != std::string::npos)
      found.push_back({&var, std::move(*text)});
  }
  return found;
}

// "VOXGATE_X=16kb", or "SUPABASE_JWT_SECRET=********" so a secret never reaches a log.
std::string shown(const Option& option, const SetVariable& set) {
  return set.var->name + "=" + (option.secret ? std::string(masked) : toml_string(set.text));
}

std::optional<OptionValue> parse(const Option& option, const SetVariable& set,
                                 std::vector<std::string>& errors) {
  std::string why;
  auto value = parse_env_text(option, set.var->form, set.text, set.var->name, &why);
  if (!value) {
    errors.push_back(shown(option, set) + ": " + why + " (sets " + option.key + ")");
  } else if (!option.accepts(*value)) {
    errors.push_back(shown(option, set) + ": " + option.key + " must be " + option.bound.rule);
    value.reset();
  }
  return value;
}

void apply_list(const Option& option, const std::vector<SetVariable>& found, Config& config,
                std::vector<std::string>& errors) {
  auto items = std::get<std::vector<ListItem>>(option.access.get(config));
  std::string sources = config.sources.count(option.key) ? config.sources[option.key] : "";
  for (const auto& set : found) {
    auto value = parse(option, set, errors);
    if (!value) continue;
    for (auto& item : std::get<std::vector<ListItem>>(*value)) items.push_back(std::move(item));
    sources += (sources.empty() ? "" : ", ") + set.var->name;
  }
  option.access.set(config, OptionValue{std::move(items)});
  if (!sources.empty()) config.sources[option.key] = sources;
}

void apply_single(const Option& option, const std::vector<SetVariable>& found, Config& config,
                  LoadResult& result) {
  auto value = parse(option, found.front(), result.errors);
  if (!value) return;
  // A second variable for the same option is a likely leftover; say which one is in force.
  for (std::size_t i = 1; i < found.size(); ++i) {
    std::string why;
    auto other = parse_env_text(option, found[i].var->form, found[i].text, {}, &why);
    if (!other || toml_literal(option, *other, false) != toml_literal(option, *value, false))
      result.warnings.push_back(found[i].var->name + " is ignored: " + found.front().var->name +
                                " is also set and takes precedence (" + option.key + ")");
  }
  option.access.set(config, std::move(*value));
  config.sources[option.key] = found.front().var->name;
}

void apply_environment(const Environment& env, LoadResult& result) {
  for (const auto& option : options()) {
    const auto found = set_variables(option, env);
    if (found.empty()) continue;
    if (option.type == OptionType::string_list)
      apply_list(option, found, result.config, result.errors);
    else
      apply_single(option, found, result.config, result);
  }
}

// Rules that involve more than one option.
void check_together(LoadResult& result) {
  const Config& c = result.config;
  if (c.server.tls_cert.empty() != c.server.tls_key.empty())
    result.errors.push_back(
        std::string("server.") + (c.server.tls_cert.empty() ? "tls_key" : "tls_cert") +
        " is set without server." + (c.server.tls_cert.empty() ? "tls_cert" : "tls_key") +
        ": set both to serve TLS, or neither");
  if (c.live.ping_interval >= c.live.idle_timeout)
    result.errors.push_back(
        "live.ping_interval must be shorter than live.idle_timeout, or healthy connections are "
        "closed as idle between pings");
  if (!c.broker.url.empty() && c.database.url.empty())
    result.errors.push_back(
        "broker.url (NATS) is set without database.url: nodes that share events must share one "
        "PostgreSQL store too, or their event ids collide; set DATABASE_URL, or remove NATS_URL "
        "to run one node");
  std::error_code ec;
  if (!c.web.dir.empty() && !std::filesystem::is_directory(c.web.dir, ec))
    result.errors.push_back("web.dir \"" + c.web.dir +
                            "\" is not a folder: point it at the repository's web/ folder, or "
                            "remove it to serve the built-in pages");
}

void warn(LoadResult& result) {
  const Config& c = result.config;
  if (c.origins.allow.empty())
    result.warnings.push_back(
        "no origin is allowed: every browser will be refused; set FRONTEND_URL or "
        "[origins].allow");
  if (c.dev.enabled)
    result.warnings.push_back(
        "dev.enabled is true: development helpers (token minting) are on; never in production");
  if (c.auth.jwt_secret.empty() && c.auth.public_key_file.empty() && c.auth.jwks_file.empty())
    result.warnings.push_back(
        "no JWT key is configured: /ws/live-calls will refuse every token; set "
        "SUPABASE_JWT_SECRET, [auth].jwks_file or [auth].public_key_file");
}

// "127.0.0.1:8080", "localhost:80", "[::1]:8080": reachable from this machine only.
bool loopback_listen(std::string_view listen) {
  auto colon = listen.rfind(':');
  std::string_view host = listen.substr(0, colon == std::string_view::npos ? listen.size() : colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace

std::string dev_listen_warning(const Config& config, std::string_view listen) {
  if (!config.dev.enabled || loopback_listen(listen)) return {};
  return "dev.enabled is true and serve listens on " + std::string(listen) +
         ": anyone who reaches it can mint tokens for any user";
}

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

LoadResult load_config(const std::string& path, const Environment& env) {
  LoadResult result;
  result.config.path = path;
  if (!path.empty()) read_config_file(path, result.config, result.errors);
  apply_environment(env, result);
  if (result.ok()) check_together(result);
  warn(result);
  return result;
}

std::string resolve_listen(const std::string& flag, const Config& config, const Environment& env) {
  if (!flag.empty()) return flag;
  const Option& listen = *find_option("server.listen");
  const auto found = set_variables(listen, env);
  if (found.empty()) return config.server.listen;
  // The same first-set-wins rule load_config applied; a bad value there was already an error.
  auto value = parse_env_text(listen, found.front().var->form, found.front().text, {}, nullptr);
  return value ? std::get<std::string>(*value) : config.server.listen;
}

}  // namespace voxgate
