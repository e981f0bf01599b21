// voxgate: the real-time gateway for voice-AI call platforms.

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"voxgate: real-time gateway for voice-AI call platforms"};
  app.set_version_flag("--version", std::string(VOXGATE_VERSION " (" VOXGATE_COMMIT ")"));
  app.require_subcommand(1);

  std::string config_path;
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("--config,-c", config_path, "TOML config file (default: built-in defaults)")
        ->envname("VOXGATE_CONFIG");
  };

  std::string listen;
  auto* serve = app.add_subcommand("serve", "Run the gateway");
  add_config(serve);
  serve->add_option("--listen", listen,
                    "host:port (else VOXGATE_LISTEN, else 0.0.0.0:$PORT, else [server].listen)");

  auto* check_config =
      app.add_subcommand("check-config", "Validate and print the effective config");
  add_config(check_config);

  std::string origin;
  auto* check_origin = app.add_subcommand(
      "check-origin", "Would this browser origin be allowed? Which rule decides?");
  add_config(check_origin);
  check_origin->add_option("origin", origin, "e.g. https://voxanne.ai")->required();

  std::string user = "dev-user", org = "dev-org";
  int ttl = 3600;
  auto* token = app.add_subcommand("token", "Mint a development JWT signed with [auth].jwt_secret");
  add_config(token);
  token->add_option("--user", user, "the token's sub")->capture_default_str();
  token->add_option("--org", org, "the org id, written at [auth].org_claim")->capture_default_str();
  token->add_option("--ttl", ttl, "lifetime in seconds")->capture_default_str();

  voxgate::cli::DoctorOptions doctor_opts;
  int timeout_ms = 5000;
  auto* doctor = app.add_subcommand(
      "doctor",
      "Perform a real WebSocket upgrade against a running gateway and explain the outcome");
  doctor->add_option("url", doctor_opts.url, "ws://host:port/path or wss://...")->required();
  doctor->add_option("--origin", doctor_opts.origin, "Origin header to send, as a browser would");
  doctor->add_option("--token", doctor_opts.token, "a JWT: also try a live-calls subscribe");
  doctor->add_option("--ca-file", doctor_opts.ca_file, "extra CA certificate (PEM) for wss");
  doctor->add_flag("--insecure", doctor_opts.insecure, "do not verify the TLS certificate");
  doctor->add_option("--timeout-ms", timeout_ms, "timeout of each step")->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  if (*serve) return voxgate::cli::serve(config_path, listen);
  if (*check_config) return voxgate::cli::check_config(config_path);
  if (*check_origin) return voxgate::cli::check_origin(config_path, origin);
  if (*token) return voxgate::cli::token(config_path, user, org, ttl);
  if (*doctor) {
    doctor_opts.timeout = voxgate::Millis(timeout_ms);
    return voxgate::cli::doctor(doctor_opts);
  }
  return 2;
}
