// The configuration loader: file, environment, validation, describe and the example file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "config/load.hpp"
#include "config/options.hpp"
#include "config/units.hpp"
#include "config/values.hpp"

namespace voxgate {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;

Environment env_of(Vars vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto found = vars.find(std::string(name));
    if (found == vars.end()) return std::nullopt;
    return found->second;
  };
}

// A directory of its own per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("voxgate_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

LoadResult load_text(const std::string& toml, Vars vars = {}) {
  TempDir dir;
  return load_config(dir.write("voxgate.toml", toml), env_of(std::move(vars)));
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines)
    if (line.find(text) != std::string::npos) return true;
  return false;
}

// Every option's value as written in TOML, for comparing two configs option by option.
std::map<std::string, std::string> values_of(const Config& config) {
  std::map<std::string, std::string> values;
  for (const auto& option : options())
    values[option.key] = toml_literal(option, option.access.get(config), false);
  return values;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---------------------------------------------------------------- the table itself

TEST(ConfigTable, EveryOptionIsWellFormed) {
  std::map<std::string, std::string> env_owner;
  const Config defaults;
  for (const auto& option : options()) {
    SCOPED_TRACE(option.key);
    EXPECT_EQ(std::count(option.key.begin(), option.key.end(), '.'), 1);
    EXPECT_EQ(find_option(option.key), &option);
    EXPECT_FALSE(option.meaning.empty());
    ASSERT_FALSE(option.env.empty());
    EXPECT_EQ(option.env.front().name, automatic_env_name(option.key));
    for (const auto& var : option.env) {
      EXPECT_TRUE(env_owner.emplace(var.name, option.key).second) << var.name << " used twice";
      if (var.form == EnvForm::one_item) {
        EXPECT_EQ(option.type, OptionType::string_list);
      }
    }
    // The default's variant alternative matches the declared type, and the default is valid.
    const auto value = option.access.get(defaults);
    switch (option.type) {
      case OptionType::string:
        EXPECT_TRUE(std::holds_alternative<std::string>(value));
        break;
      case OptionType::boolean:
        EXPECT_TRUE(std::holds_alternative<bool>(value));
        break;
      case OptionType::integer:
      case OptionType::size:
        EXPECT_TRUE(std::holds_alternative<std::int64_t>(value));
        break;
      case OptionType::duration:
        EXPECT_TRUE(std::holds_alternative<Millis>(value));
        break;
      case OptionType::string_list:
        EXPECT_TRUE(std::holds_alternative<std::vector<ListItem>>(value));
        break;
    }
    EXPECT_TRUE(option.accepts(value));
  }
}

TEST(ConfigTable, AutomaticEnvironmentNames) {
  EXPECT_EQ(automatic_env_name("limits.header_bytes"), "VOXGATE_LIMITS_HEADER_BYTES");
  EXPECT_EQ(automatic_env_name("server.listen"), "VOXGATE_SERVER_LISTEN");
}

// ---------------------------------------------------------------- defaults and file values

TEST(ConfigDefaults, NoFileGivesTheStructDefaults) {
  const auto result = load_config("", env_of({}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(values_of(result.config), values_of(Config{}));
  EXPECT_TRUE(result.config.path.empty());
  EXPECT_TRUE(result.config.sources.empty());
  EXPECT_EQ(result.config.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(result.config.limits.header_bytes, 16u * 1024);
  EXPECT_EQ(result.config.live.auth_timeout, Millis{5'000});
}

TEST(ConfigDefaults, EmptyOriginListWarnsLoudly) {
  const auto result = load_config("", env_of({}));
  EXPECT_TRUE(any_contains(result.warnings,
                           "no origin is allowed: every browser will be refused; "
                           "set FRONTEND_URL or [origins].allow"))
      << joined(result.warnings);
}

TEST(ConfigFile, ValuesAreReadWithTheirSource) {
  TempDir dir;
  const auto path = dir.write("voxgate.toml", R"(
[server]
listen = "0.0.0.0:9000"
threads = 4
tls_cert = "/etc/voxgate/cert.pem"
tls_key = "/etc/voxgate/key.pem"

[limits]
header_bytes = "32KiB"
body_bytes = 2048
handshake_timeout = "2s"
max_connections = 100
shutdown_grace = "1m30s"

[origins]
allow = ["https://voxanne.ai", "https://*.voxanne.ai"]
allow_missing = false

[live]
ping_interval = "250ms"

[dev]
enabled = true

[log]
level = "debug"

[auth]
jwt_secret = "file-secret"

[publish]
api_keys = ["k1"]
)");
  const auto result = load_config(path, env_of({}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const Config& c = result.config;
  EXPECT_EQ(c.path, path);
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.threads, 4);
  EXPECT_EQ(c.server.tls_cert, "/etc/voxgate/cert.pem");
  EXPECT_EQ(c.limits.header_bytes, 32u * 1024);
  EXPECT_EQ(c.limits.body_bytes, 2048u);
  EXPECT_EQ(c.limits.handshake_timeout, Millis{2'000});
  EXPECT_EQ(c.limits.max_connections, 100u);
  EXPECT_EQ(c.limits.shutdown_grace, Millis{90'000});
  ASSERT_EQ(c.origins.allow.size(), 2u);
  EXPECT_EQ(c.origins.allow[1].text, "https://*.voxanne.ai");
  EXPECT_EQ(c.origins.allow[1].source, "[origins].allow");
  EXPECT_FALSE(c.origins.allow_missing);
  EXPECT_EQ(c.live.ping_interval, Millis{250});
  EXPECT_TRUE(c.dev.enabled);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.auth.jwt_secret, "file-secret");
  EXPECT_EQ(c.publish.api_keys, std::vector<std::string>{"k1"});
  EXPECT_EQ(c.sources.at("server.threads"), "file");
  EXPECT_EQ(c.sources.count("limits.ws_message_bytes"), 0u);  // untouched: default
  EXPECT_TRUE(any_contains(result.warnings, "dev.enabled"));
  EXPECT_FALSE(any_contains(result.warnings, "no origin is allowed"));
}

TEST(ConfigFile, MissingFileIsAnErrorNamingThePath) {
  TempDir dir;
  const auto path = dir.path("absent.toml");
  const auto result = load_config(path, env_of({}));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(any_contains(result.errors, "cannot read config file \"" + path + "\""))
      << joined(result.errors);
}

TEST(ConfigFile, SyntaxErrorHasLineAndColumn) {
  TempDir dir;
  const auto path = dir.write("broken.toml", "[server]\nlisten = \"127.0.0.1:80\nthreads = 2\n");
  const auto result = load_config(path, env_of({}));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(any_contains(result.errors, path + ":2:")) << joined(result.errors);
  EXPECT_TRUE(any_contains(result.errors, "TOML syntax error")) << joined(result.errors);
}

// ---------------------------------------------------------------- file errors, table-driven

struct FileErrorCase {
  std::string name;
  std::string toml;
  std::vector<std::string> expected;  // each must appear in one error
};

class ConfigFileErrors : public testing::TestWithParam<FileErrorCase> {};

TEST_P(ConfigFileErrors, NameTheKeyTheProblemAndTheLine) {
  TempDir dir;
  const auto path = dir.write("voxgate.toml", GetParam().toml);
  const auto result = load_config(path, env_of({}));
  ASSERT_FALSE(result.ok());
  for (const auto& text : GetParam().expected) {
    const std::string located = text.rfind(":", 0) == 0 ? path + text : text;
    EXPECT_TRUE(any_contains(result.errors, located)) << located << "\nin:\n"
                                                      << joined(result.errors);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigFileErrors,
    testing::Values(
        FileErrorCase{"misspelt_section",
                      "[servr]\nlisten = \"127.0.0.1:1\"\n",
                      {":2:1:", "unknown option servr.listen; did you mean server.listen?"}},
        FileErrorCase{"misspelt_key",
                      "[limits]\nheader_byte = 1024\n",
                      {"unknown option limits.header_byte; did you mean limits.header_bytes?"}},
        FileErrorCase{"key_outside_its_section",
                      "listen = \"127.0.0.1:1\"\n",
                      {":1:1:", "unknown option listen; did you mean server.listen?"}},
        FileErrorCase{"key_in_wrong_section",
                      "[server]\nlevel = \"debug\"\n",
                      {"unknown option server.level; did you mean log.level?"}},
        FileErrorCase{"unrelated_key_lists_the_section",
                      "[limits]\nframe_size = 1\n",
                      {"unknown option limits.frame_size; [limits] has header_bytes, body_bytes"}},
        FileErrorCase{"empty_unknown_section",
                      "[limit]\n",
                      {"unknown section [limit]; did you mean [limits]?"}},
        FileErrorCase{"section_as_value", "server = 1\n", {"server must be a table"}},
        FileErrorCase{"trusted_proxy_that_is_a_host_name",
                      "[limits]\ntrusted_proxies = [\"10.0.0.0/8\", \"lb.internal\"]\n",
                      {"limits.trusted_proxies must be a list of addresses or networks"}},
        FileErrorCase{"negative_connection_limit",
                      "[limits]\nconnections_per_ip = -1\n",
                      {"limits.connections_per_ip must be between 0 and 1000000"}},
        FileErrorCase{"string_for_integer",
                      "[server]\n\nthreads = \"four\"\n",
                      {":3:11:", "server.threads must be an integer, not a string"}},
        FileErrorCase{"integer_for_string",
                      "[server]\nlisten = 8080\n",
                      {":2:10:", "server.listen must be a string, not an integer"}},
        FileErrorCase{"string_for_boolean",
                      "[dev]\nenabled = \"yes\"\n",
                      {"dev.enabled must be true or false, not a string"}},
        FileErrorCase{"float_for_size",
                      "[limits]\nbody_bytes = 1.5\n",
                      {"limits.body_bytes must be a size: bytes, or a string like",
                       "not a floating-point number"}},
        FileErrorCase{"string_for_list",
                      "[origins]\nallow = \"https://a.com\"\n",
                      {"origins.allow must be an array of strings, not a string"}},
        FileErrorCase{"integer_in_list",
                      "[origins]\nallow = [\"https://a.com\",\n  42]\n",
                      {":3:3:", "origins.allow[1] must be a string, not an integer"}},
        FileErrorCase{"decimal_size_unit",
                      "[limits]\nheader_bytes = \"16kb\"\n",
                      {"limits.header_bytes: unknown size unit \"kb\"; use B, KiB, MiB or GiB "
                       "(e.g. \"16KiB\")"}},
        FileErrorCase{"fractional_size",
                      "[limits]\nheader_bytes = \"1.5MiB\"\n",
                      {"limits.header_bytes: a size is a whole number"}},
        FileErrorCase{
            "negative_size", "[limits]\nheader_bytes = -1\n", {"a size cannot be negative"}},
        FileErrorCase{
            "duration_without_unit",
            "[live]\nauth_timeout = 5000\n",
            {"live.auth_timeout: \"5000\" has no unit; write e.g. \"5000ms\" or \"5000s\""}},
        FileErrorCase{"unknown_duration_unit",
                      "[live]\nauth_timeout = \"5sec\"\n",
                      {"unknown duration unit \"sec\"; use ms, s, m or h"}},
        FileErrorCase{
            "header_bytes_too_large",
            "[limits]\nheader_bytes = \"2MiB\"\n",
            {":2:16:", "limits.header_bytes must be between 1KiB and 1MiB, not \"2MiB\""}},
        FileErrorCase{"header_bytes_too_small",
                      "[limits]\nheader_bytes = 100\n",
                      {"limits.header_bytes must be between 1KiB and 1MiB"}},
        FileErrorCase{"threads_too_many",
                      "[server]\nthreads = 300\n",
                      {"server.threads must be between 0 and 256, not 300"}},
        FileErrorCase{"no_connections",
                      "[limits]\nmax_connections = 0\n",
                      {"limits.max_connections must be at least 1"}},
        FileErrorCase{"zero_timeout",
                      "[limits]\nhandshake_timeout = \"0s\"\n",
                      {"limits.handshake_timeout must be more than 0"}},
        FileErrorCase{"unknown_log_level",
                      "[log]\nlevel = \"verbose\"\n",
                      {"log.level must be one of debug, info, warn, error, not \"verbose\""}},
        FileErrorCase{"listen_without_port",
                      "[server]\nlisten = \"localhost\"\n",
                      {"server.listen must be host:port"}},
        FileErrorCase{
            "tls_cert_without_key",
            "[server]\ntls_cert = \"cert.pem\"\n",
            {"server.tls_cert is set without server.tls_key: set both to serve TLS, or neither"}},
        FileErrorCase{"ping_not_shorter_than_idle",
                      "[live]\nping_interval = \"60s\"\nidle_timeout = \"1m\"\n",
                      {"live.ping_interval must be shorter than live.idle_timeout"}},
        FileErrorCase{"broker_without_shared_database",
                      "[broker]\nurl = \"nats://127.0.0.1:4222\"\n",
                      {"broker.url (NATS) is set without database.url", "DATABASE_URL"}},
        FileErrorCase{"database_url_of_another_kind",
                      "[database]\nurl = \"mysql://db/voxgate\"\n",
                      {"database.url must be empty, or a URL starting with postgres:// or "
                       "postgresql://"}},
        FileErrorCase{"broker_url_of_another_kind",
                      "[database]\nurl = \"postgres://db/v\"\n[broker]\nurl = \"redis://q\"\n",
                      {"broker.url must be empty, or a URL starting with nats:// or tls://"}},
        FileErrorCase{"wildcard_broker_subject",
                      "[broker]\nsubject = \"voxgate.*\"\n",
                      {"broker.subject must be a NATS subject"}},
        FileErrorCase{"all_errors_at_once",
                      "[server]\nthreads = -1\n[log]\nlevel = \"loud\"\n",
                      {":2:", "server.threads", ":4:", "log.level"}}),
    [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------- environment

TEST(ConfigEnv, OverridesASingleValueFromTheFile) {
  const auto result = load_text("[server]\nthreads = 4\nlisten = \"0.0.0.0:1\"\n",
                                {{"VOXGATE_SERVER_THREADS", "8"}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(result.config.server.threads, 8);
  EXPECT_EQ(result.config.sources.at("server.threads"), "VOXGATE_SERVER_THREADS");
  EXPECT_EQ(result.config.server.listen, "0.0.0.0:1");  // the file's other values stay
  EXPECT_EQ(result.config.sources.at("server.listen"), "file");
}

struct EnvCase {
  std::string var;
  std::string text;
  std::string key;
  std::string expected;  // the option's TOML literal afterwards
};

class ConfigEnvValues : public testing::TestWithParam<EnvCase> {};

TEST_P(ConfigEnvValues, AreParsedInTheOptionsSyntax) {
  const auto& c = GetParam();
  const auto result = load_config("", env_of({{c.var, c.text}}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const Option& option = *find_option(c.key);
  EXPECT_EQ(toml_literal(option, option.access.get(result.config), false), c.expected);
  EXPECT_EQ(result.config.sources.at(c.key), c.var);
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigEnvValues,
    testing::Values(
        EnvCase{"VOXGATE_LISTEN", "127.0.0.1:9", "server.listen", "\"127.0.0.1:9\""},
        EnvCase{"PORT", "10000", "server.listen", "\"0.0.0.0:10000\""},
        EnvCase{"VOXGATE_LIMITS_HEADER_BYTES", "32KiB", "limits.header_bytes", "\"32KiB\""},
        EnvCase{"VOXGATE_LIMITS_BODY_BYTES", " 4096 ", "limits.body_bytes", "\"4KiB\""},
        EnvCase{"VOXGATE_LIVE_AUTH_TIMEOUT", "1m30s", "live.auth_timeout", "\"90s\""},
        EnvCase{"VOXGATE_ORIGINS_ALLOW_MISSING", "false", "origins.allow_missing", "false"},
        EnvCase{"VOXGATE_DEV_ECHO_ROUTE", "1", "dev.echo_route", "true"},
        EnvCase{"VOXGATE_LOG_LEVEL", "warn", "log.level", "\"warn\""},
        EnvCase{"SUPABASE_JWT_SECRET", "s3cret", "auth.jwt_secret", "\"s3cret\""},
        EnvCase{"VOXGATE_PUBLISH_API_KEYS", "a,b", "publish.api_keys", "[\"a\", \"b\"]"},
        EnvCase{"DATABASE_URL", "postgres://u:p@db:5432/v", "database.url",
                "\"postgres://u:p@db:5432/v\""}));

TEST(ConfigEnv, NatsUrlWithDatabaseUrlRunsAsOneOfSeveralNodes) {
  const auto result = load_config("", env_of({{"DATABASE_URL", "postgres://db/v"},
                                              {"NATS_URL", "nats://a:4222,nats://b:4222"}}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(result.config.broker.url, "nats://a:4222,nats://b:4222");
  EXPECT_EQ(result.config.sources.at("broker.url"), "NATS_URL");
  EXPECT_EQ(result.config.broker.subject, "voxgate.events");
}

TEST(ConfigEnv, EmptyVariableCountsAsUnset) {
  const auto result = load_text("[server]\nthreads = 4\n", {{"VOXGATE_SERVER_THREADS", "  "}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(result.config.server.threads, 4);
}

TEST(ConfigEnv, FirstListedVariableWinsAndTheOtherIsReported) {
  const auto result =
      load_config("", env_of({{"VOXGATE_LISTEN", "127.0.0.1:7"}, {"PORT", "10000"}}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(result.config.server.listen, "127.0.0.1:7");
  EXPECT_TRUE(any_contains(result.warnings, "PORT is ignored: VOXGATE_LISTEN is also set"))
      << joined(result.warnings);
}

struct EnvErrorCase {
  std::string var;
  std::string text;
  std::string expected;
};

class ConfigEnvErrors : public testing::TestWithParam<EnvErrorCase> {};

TEST_P(ConfigEnvErrors, NameTheVariable) {
  const auto& c = GetParam();
  const auto result = load_config("", env_of({{c.var, c.text}}));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(any_contains(result.errors, c.expected)) << joined(result.errors);
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigEnvErrors,
    testing::Values(EnvErrorCase{"VOXGATE_LIMITS_HEADER_BYTES", "16kb",
                                 "VOXGATE_LIMITS_HEADER_BYTES=\"16kb\": unknown size unit"},
                    EnvErrorCase{"VOXGATE_LIMITS_HEADER_BYTES", "4MiB",
                                 "VOXGATE_LIMITS_HEADER_BYTES=\"4MiB\": limits.header_bytes must "
                                 "be between 1KiB and 1MiB"},
                    EnvErrorCase{"VOXGATE_SERVER_THREADS", "many",
                                 "VOXGATE_SERVER_THREADS=\"many\": expected an integer"},
                    EnvErrorCase{"VOXGATE_LIVE_IDLE_TIMEOUT", "60",
                                 "VOXGATE_LIVE_IDLE_TIMEOUT=\"60\": \"60\" has no unit"},
                    EnvErrorCase{"VOXGATE_DEV_ENABLED", "maybe",
                                 "VOXGATE_DEV_ENABLED=\"maybe\": expected true or false"},
                    EnvErrorCase{"VOXGATE_LOG_LEVEL", "trace",
                                 "log.level must be one of debug, info, warn, error"},
                    EnvErrorCase{"PORT", "http", "PORT=\"http\": expected a port number 1..65535"},
                    EnvErrorCase{"VOXGATE_LISTEN", "8080",
                                 "VOXGATE_LISTEN=\"8080\": server.listen must be host:port"}));

// ---------------------------------------------------------------- origin and key lists

TEST(ConfigOrigins, FileAndEnvironmentListsAreMergedWithTheirSources) {
  const auto result = load_text("[origins]\nallow = [\"https://voxanne.ai\"]\n",
                                {{"FRONTEND_URL", " https://app.voxanne.ai "},
                                 {"CORS_ORIGIN", "https://a.example, ,https://b.example,"},
                                 {"ALLOWED_WS_ORIGINS", " , http://localhost:*"}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"https://voxanne.ai", "[origins].allow"},    {"https://app.voxanne.ai", "FRONTEND_URL"},
      {"https://a.example", "CORS_ORIGIN"},         {"https://b.example", "CORS_ORIGIN"},
      {"http://localhost:*", "ALLOWED_WS_ORIGINS"},
  };
  std::vector<std::pair<std::string, std::string>> actual;
  for (const auto& entry : result.config.origins.allow)
    actual.emplace_back(entry.text, entry.source);
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(result.config.sources.at("origins.allow"),
            "file, FRONTEND_URL, CORS_ORIGIN, ALLOWED_WS_ORIGINS");
  EXPECT_FALSE(any_contains(result.warnings, "no origin is allowed"));
}

TEST(ConfigOrigins, EnvironmentAloneFillsTheList) {
  const auto result = load_config("", env_of({{"FRONTEND_URL", "https://voxanne.ai"}}));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.config.origins.allow.size(), 1u);
  EXPECT_EQ(result.config.origins.allow[0].source, "FRONTEND_URL");
}

TEST(ConfigApiKeys, VariableKeyIsAppendedToTheFileKeys) {
  const auto result =
      load_text("[publish]\napi_keys = [\"from-file\"]\n", {{"VOXGATE_API_KEY", "from,env"}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  // VOXGATE_API_KEY is one key, commas and all.
  EXPECT_EQ(result.config.publish.api_keys, (std::vector<std::string>{"from-file", "from,env"}));
}

// ---------------------------------------------------------------- resolve_listen

struct ListenCase {
  std::string name;
  std::string flag;
  Vars vars;
  std::string expected;
};

class ConfigListen : public testing::TestWithParam<ListenCase> {};

TEST_P(ConfigListen, FlagThenVoxgateListenThenPortThenFile) {
  const auto& c = GetParam();
  Config config;
  config.server.listen = "10.0.0.1:1";  // as read from a file
  EXPECT_EQ(resolve_listen(c.flag, config, env_of(c.vars)), c.expected);
  // load_config applies the same environment rule, so check-config shows what serve uses.
  if (c.flag.empty()) {
    const auto loaded = load_text("[server]\nlisten = \"10.0.0.1:1\"\n", c.vars);
    ASSERT_TRUE(loaded.ok()) << joined(loaded.errors);
    EXPECT_EQ(loaded.config.server.listen, c.expected);
    EXPECT_EQ(resolve_listen("", loaded.config, env_of(c.vars)), c.expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigListen,
    testing::Values(ListenCase{"flag",
                               "127.0.0.1:1111",
                               {{"VOXGATE_LISTEN", "127.0.0.1:2222"}, {"PORT", "3333"}},
                               "127.0.0.1:1111"},
                    ListenCase{"voxgate_listen",
                               "",
                               {{"VOXGATE_LISTEN", "127.0.0.1:2222"}, {"PORT", "3333"}},
                               "127.0.0.1:2222"},
                    ListenCase{"port", "", {{"PORT", "3333"}}, "0.0.0.0:3333"},
                    ListenCase{"file", "", {}, "10.0.0.1:1"}),
    [](const auto& info) { return info.param.name; });

TEST(ConfigListen, DefaultWhenNothingIsSet) {
  EXPECT_EQ(resolve_listen("", Config{}, env_of({})), "127.0.0.1:8080");
}

// ---------------------------------------------------------------- describe_config

TEST(ConfigDescribe, MasksSecrets) {
  const auto result =
      load_text("[auth]\njwt_secret = \"hunter2\"\n[publish]\napi_keys = [\"key-one\"]\n",
                {{"VOXGATE_API_KEY", "key-two"}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const auto text = describe_config(result.config);
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find("key-one"), std::string::npos) << text;
  EXPECT_EQ(text.find("key-two"), std::string::npos) << text;
  // Columns align per section, so the gap before the comment depends on the longest line.
  EXPECT_TRUE(std::regex_search(text, std::regex("jwt_secret = \"\\*{8}\" +# file\n"))) << text;
  EXPECT_TRUE(std::regex_search(
      text,
      std::regex("api_keys = \\[ +# file, VOXGATE_API_KEY\n  \"\\*{8}\",\n  \"\\*{8}\",\n\\]")))
      << text;
}

TEST(ConfigDescribe, NamesEachValuesSource) {
  const auto result =
      load_text("[server]\nthreads = 2\n[origins]\nallow = [\"https://voxanne.ai\"]\n",
                {{"VOXGATE_LOG_LEVEL", "debug"}, {"CORS_ORIGIN", "https://a.example"}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const auto text = describe_config(result.config);
  EXPECT_TRUE(std::regex_search(text, std::regex("\nthreads = 2 +# file\n"))) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\nlevel = \"debug\" +# VOXGATE_LOG_LEVEL\n")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\nlisten = \"127.0.0.1:8080\" +# default\n")))
      << text;
  EXPECT_TRUE(
      std::regex_search(text, std::regex("\"https://voxanne.ai\", +# \\[origins\\].allow\n")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\"https://a.example\", +# CORS_ORIGIN\n")))
      << text;
}

TEST(ConfigDescribe, IsTomlThatLoadsBackToTheSameValues) {
  const auto first = load_text("[server]\nthreads = 3\n[limits]\nbody_bytes = 2000\n",
                               {{"CORS_ORIGIN", "https://a.example,https://b.example"},
                                {"VOXGATE_LIVE_QUEUE_BYTES", "3MiB"}});
  ASSERT_TRUE(first.ok()) << joined(first.errors);
  const auto second = load_text(describe_config(first.config));
  ASSERT_TRUE(second.ok()) << joined(second.errors) << describe_config(first.config);
  EXPECT_EQ(values_of(second.config), values_of(first.config));
}

// ---------------------------------------------------------------- the example file

TEST(ConfigExample, RepositoryFileIsTheGeneratedText) {
  const std::string path = std::string(VOXGATE_SOURCE_DIR) + "/voxgate.example.toml";
  const auto generated = example_toml();
  if (read_file(path) != generated) {
    // Written beside the other temporary files, never into the source tree.
    const auto fresh = (fs::temp_directory_path() / "voxgate.example.toml.generated").string();
    std::ofstream(fresh, std::ios::binary) << generated;
    FAIL() << path << " differs from example_toml(); the option table changed. Regenerate with:\n"
           << "  cp " << fresh << " " << path;
  }
}

TEST(ConfigExample, LoadsWithoutErrors) {
  const auto result =
      load_config(std::string(VOXGATE_SOURCE_DIR) + "/voxgate.example.toml", env_of({}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(values_of(result.config), values_of(Config{}));
}

TEST(ConfigExample, EveryOptionUncommentedLoadsAsTheDefaults) {
  // Uncommenting must work: each "# key = value" line is a valid assignment of the default.
  const std::regex assignment("^# ([a-z_]+ = .*)$");
  std::istringstream in(example_toml());
  std::string uncommented, line;
  std::size_t assignments = 0;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_match(line, match, assignment)) {
      line = match[1];
      ++assignments;
    }
    uncommented += line + "\n";
  }
  EXPECT_EQ(assignments, options().size());
  const auto result = load_text(uncommented);
  ASSERT_TRUE(result.ok()) << joined(result.errors) << uncommented;
  EXPECT_EQ(values_of(result.config), values_of(Config{}));
  EXPECT_EQ(result.config.sources.size(), options().size());
}

TEST(ConfigExample, DocumentsEveryOptionWithItsEnvironmentNames) {
  const auto text = example_toml();
  for (const auto& option : options())
    for (const auto& var : option.env)
      EXPECT_NE(text.find(var.name), std::string::npos) << var.name;
  EXPECT_NE(text.find("# env: VOXGATE_ORIGINS_ALLOW, FRONTEND_URL (one entry), CORS_ORIGIN, "
                      "ALLOWED_WS_ORIGINS\n"),
            std::string::npos)
      << text;
}

// ---------------------------------------------------------------- sizes and durations

struct UnitCase {
  std::string text;
  std::optional<std::int64_t> value;  // nullopt: refused
};

class ConfigUnitsSize : public testing::TestWithParam<UnitCase> {};
TEST_P(ConfigUnitsSize, Parse) {
  std::string why;
  const auto bytes = parse_size(GetParam().text, &why);
  if (GetParam().value) {
    ASSERT_TRUE(bytes) << why;
    EXPECT_EQ(static_cast<std::int64_t>(*bytes), *GetParam().value);
  } else {
    EXPECT_FALSE(bytes);
    EXPECT_FALSE(why.empty());
  }
}
INSTANTIATE_TEST_SUITE_P(
    Config, ConfigUnitsSize,
    testing::Values(UnitCase{"0", 0}, UnitCase{"512", 512}, UnitCase{"512B", 512},
                    UnitCase{"64KiB", 65536}, UnitCase{"64 KiB", 65536}, UnitCase{"1MiB", 1 << 20},
                    UnitCase{"2GiB", 2LL << 30}, UnitCase{"16kb", {}}, UnitCase{"16KB", {}},
                    UnitCase{"1MB", {}}, UnitCase{"1.5MiB", {}}, UnitCase{"-1", {}},
                    UnitCase{"", {}}, UnitCase{"KiB", {}}, UnitCase{"99999999999GiB", {}}));

class ConfigUnitsDuration : public testing::TestWithParam<UnitCase> {};
TEST_P(ConfigUnitsDuration, Parse) {
  std::string why;
  const auto ms = parse_duration(GetParam().text, &why);
  if (GetParam().value) {
    ASSERT_TRUE(ms) << why;
    EXPECT_EQ(ms->count(), *GetParam().value);
  } else {
    EXPECT_FALSE(ms);
    EXPECT_FALSE(why.empty());
  }
}
INSTANTIATE_TEST_SUITE_P(Config, ConfigUnitsDuration,
                         testing::Values(UnitCase{"250ms", 250}, UnitCase{"5s", 5000},
                                         UnitCase{"2m", 120000}, UnitCase{"1h", 3600000},
                                         UnitCase{"1m30s", 90000}, UnitCase{"0s", 0},
                                         UnitCase{"5000", {}}, UnitCase{"5sec", {}},
                                         UnitCase{"1.5s", {}}, UnitCase{"-1s", {}},
                                         UnitCase{"", {}}, UnitCase{"s", {}},
                                         UnitCase{"9999999h", {}}));

TEST(ConfigUnits, FormatIsTheShortestExactSpelling) {
  EXPECT_EQ(format_size(16 * 1024), "16KiB");
  EXPECT_EQ(format_size(1 << 20), "1MiB");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_duration(Millis{10'000}), "10s");
  EXPECT_EQ(format_duration(Millis{90'000}), "90s");
  EXPECT_EQ(format_duration(Millis{120'000}), "2m");
  EXPECT_EQ(format_duration(Millis{1'500}), "1500ms");
}

// ---------------------------------------------------------------- [web] and [dev] options

TEST(ConfigWeb, DefaultsServeTheBuiltInPages) {
  const auto result = load_config("", env_of({}));
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_TRUE(result.config.web.enabled);
  EXPECT_EQ(result.config.web.dir, "");
  EXPECT_EQ(result.config.dev.token_ttl, Millis{3'600'000});
}

TEST(ConfigWeb, DirThatIsAFolderIsKept) {
  TempDir dir;
  const auto folder = dir.path("pages");
  fs::create_directory(folder);
  const auto result =
      load_text("[web]\nenabled = false\ndir = \"" + folder + "\"\n[dev]\ntoken_ttl = \"15m\"\n");
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_FALSE(result.config.web.enabled);
  EXPECT_EQ(result.config.web.dir, folder);
  EXPECT_EQ(result.config.dev.token_ttl, Millis{900'000});
}

// A start-up error beats a 404 on every page.
TEST(ConfigWeb, DirThatIsNotAFolderIsAnError) {
  TempDir dir;
  const auto file = dir.write("index.html", "<p>a file</p>");
  for (const auto& path : {file, dir.path("absent")}) {
    SCOPED_TRACE(path);
    const auto result = load_text("[web]\ndir = \"" + path + "\"\n");
    ASSERT_FALSE(result.ok());
    EXPECT_TRUE(any_contains(result.errors, "web.dir \"" + path + "\" is not a folder"))
        << joined(result.errors);
  }
}

TEST(ConfigDev, TokenTtlMustBePositive) {
  const auto result = load_text("[dev]\ntoken_ttl = \"0s\"\n");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(any_contains(result.errors, "dev.token_ttl must be more than 0"))
      << joined(result.errors);
}

struct DevListenCase {
  std::string listen;
  bool dev;
  bool warns;
};

class ConfigDevListen : public testing::TestWithParam<DevListenCase> {};

// Minting tokens on an address others reach is worth a warning; on loopback it is not.
TEST_P(ConfigDevListen, WarnsWhenMintingIsReachableFromOtherMachines) {
  const auto& c = GetParam();
  const auto result =
      load_text(std::string("[dev]\nenabled = ") + (c.dev ? "true" : "false") + "\n");
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const auto warning = dev_listen_warning(result.config, c.listen);
  EXPECT_EQ(warning.find("anyone who reaches it can mint tokens") != std::string::npos, c.warns)
      << warning;
  if (c.warns) {
    EXPECT_NE(warning.find("listens on " + c.listen), std::string::npos) << warning;
  }
}

INSTANTIATE_TEST_SUITE_P(Config, ConfigDevListen,
                         testing::Values(DevListenCase{"0.0.0.0:8080", true, true},
                                         DevListenCase{"[::]:8080", true, true},
                                         DevListenCase{"192.168.1.5:8080", true, true},
                                         DevListenCase{"127.0.0.1:8080", true, false},
                                         DevListenCase{"127.0.0.2:9000", true, false},
                                         DevListenCase{"localhost:8080", true, false},
                                         DevListenCase{"[::1]:8080", true, false},
                                         DevListenCase{"127.evil.example:80", true, true},
                                         DevListenCase{"0.0.0.0:8080", false, false}));

}  // namespace
}  // namespace voxgate
