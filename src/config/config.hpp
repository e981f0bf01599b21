#pragma once
// The effective configuration: every option voxgate knows, with its default.
// Names, environment variables and help texts live in options.cpp, the one table.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace voxgate {

using Millis = std::chrono::milliseconds;

// One origin entry and where it came from, so a decision can name its source.
struct OriginEntry {
  std::string text;    // as written, e.g. "https://*.voxanne.ai"
  std::string source;  // "[origins].allow", "FRONTEND_URL", "CORS_ORIGIN", "ALLOWED_WS_ORIGINS",
                       // "VOXGATE_ORIGINS_ALLOW"
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // host:port
  int threads = 0;                        // 0 = one per core
  std::string tls_cert;                   // PEM chain; TLS is on when cert and key are set
  std::string tls_key;                    // PEM private key
};

struct LimitsConfig {
  std::size_t header_bytes = 16 * 1024;
  std::size_t body_bytes = 1024 * 1024;
  Millis handshake_timeout{10'000};  // whole request head (and TLS handshake) must arrive by then
  Millis http_idle_timeout{30'000};  // keep-alive connection with no request
  std::size_t max_connections = 16'384;
  std::size_t ws_message_bytes = 64 * 1024;
  Millis shutdown_grace{10'000};
  // Per client (0 turns a limit off). Addresses: an IPv4 address or an IPv6 /64.
  std::size_t connections_per_ip = 1024;
  std::size_t connection_rate_per_ip = 50;     // new connections a second; bursts of twice that
  std::vector<std::string> trusted_proxies;    // load balancers whose X-Forwarded-For is believed
  std::size_t connections_per_user = 16;       // live-calls and test-call sockets of one user
  std::size_t publish_rate_per_key = 100;      // POST /api/events a second per key; bursts of twice
  std::size_t test_calls_per_org = 5;          // browser test calls at once, per org and node
  std::size_t subscribes_per_connection = 10;  // subscribe and refresh messages a minute
};

struct OriginsConfig {
  std::vector<OriginEntry> allow;  // file entries merged with the environment lists
  bool allow_missing = true;       // requests without an Origin header (non-browser clients)
};

struct LiveConfig {
  Millis auth_timeout{5'000};
  Millis ping_interval{25'000};
  Millis idle_timeout{60'000};
  std::size_t queue_bytes = 1024 * 1024;
};

struct DevConfig {
  bool enabled = false;           // development helpers (token minting); never in production
  bool echo_route = false;        // /ws/echo for RFC 6455 conformance suites
  Millis token_ttl{3600 * 1000};  // lifetime of a token minted by POST /api/dev/token
};

struct WebConfig {
  bool enabled = true;  // serve the dashboard (/) and the test call page (/test-call)
  std::string dir;      // serve the pages from this folder instead of the built-in copy
};

struct LogConfig {
  std::string level = "info";         // debug, info, warn, error
  Millis rejection_interval{10'000};  // one "Origin not allowed" line per origin per interval
};

struct AuthConfig {
  std::string jwt_secret;       // HS256 secret of the Supabase project; secret, masked in output
  std::string public_key_file;  // PEM public key for RS256/ES256 tokens without a JWKS
  std::string jwks_file;        // JWKS document; keys chosen by the token's kid
  std::vector<std::string> algorithms{"HS256", "RS256", "ES256"};  // the alg allow-list
  std::string issuer;                                              // required iss when set
  std::string audience;                                            // required aud when set
  Millis clock_skew{30'000};
  std::string org_claim = "app_metadata.org_id";  // dotted path to the org id in the claims
  std::size_t max_token_bytes = 8 * 1024;
};

struct PublishConfig {
  std::vector<std::string> api_keys;  // bearer keys for POST /api/events; secret, masked in output
  std::size_t event_bytes = 64 * 1024;  // one event's JSON at most (413 above)
  std::size_t max_batch = 1000;         // events in one POST at most
};

struct StoreConfig {
  std::string path = "./voxgate.db";   // the SQLite file (env VOXGATE_DB)
  std::string synchronous = "normal";  // "full" also survives power loss, at a cost per write
};

// PostgreSQL shared by several gateway nodes (protocol section 8); empty url: the SQLite file.
struct DatabaseConfig {
  std::string url;            // postgres://user:pass@host:port/db (env DATABASE_URL); secret
  std::size_t pool_size = 4;  // connections per node at most
};

// NATS carrying events between nodes; empty url: in-process fan-out (one node).
struct BrokerConfig {
  std::string url;  // nats://host:port (env NATS_URL); secret (may hold a token)
  std::string subject = "voxgate.events";  // every node of one deployment uses the same
};

struct HistoryConfig {
  std::size_t max_events_per_org = 10'000;  // retention by count
  Millis max_age{24 * 3600 * 1000};         // retention by age
};

// Vapi: how its webhooks authenticate (protocol section 4), which org an assistant serves, and
// the provider of browser test calls (section 5).
struct VapiConfig {
  std::string webhook_secret;  // HMAC credential; secret, masked in output
  std::string webhook_signature_header = "x-signature";
  std::string webhook_timestamp_header = "x-timestamp";
  std::string webhook_signature_prefix;  // e.g. "sha256=" when the credential sends one
  std::string webhook_algorithm = "sha256";
  Millis webhook_replay_window{300'000};
  std::string webhook_bearer_token;  // bearer credential; secret
  std::string webhook_bearer_header = "authorization";
  std::string webhook_legacy_secret;               // x-vapi-secret of older assistants; secret
  std::vector<std::string> assistant_orgs;         // "assistantId=orgId" routing fallbacks
  Millis webhook_dedupe_window{24 * 3600 * 1000};  // repeated deliveries are recognised this long

  // Browser test calls (section 5).
  std::string provider;  // "vapi", "echo"; empty: vapi when an API key is set, else echo
  std::string api_key;   // private API key; secret, never sent to a browser
  std::string base_url = "https://api.vapi.ai";
  std::string assistant_id;                   // used when POST /api/web-voice/start names none
  Millis request_timeout{30'000};             // POST /call must answer by then (504 after)
  Millis connect_timeout{10'000};             // TCP + TLS + WebSocket handshake to the provider
  Millis unattached_timeout{10 * 60 * 1000};  // a started call no browser attached to ends
  Millis max_call_duration{15 * 60 * 1000};   // a test call is cut after this long
};

struct Config {
  std::string path;  // the file it was read from; empty when none
  ServerConfig server;
  LimitsConfig limits;
  OriginsConfig origins;
  LiveConfig live;
  DevConfig dev;
  WebConfig web;
  LogConfig log;
  AuthConfig auth;
  PublishConfig publish;
  StoreConfig store;
  DatabaseConfig database;
  BrokerConfig broker;
  HistoryConfig history;
  VapiConfig vapi;
  // Option key -> where its value came from ("file", "VOXGATE_LISTEN", "file, FRONTEND_URL");
  // an option absent here has its default. Filled by load_config, shown by describe_config.
  std::map<std::string, std::string> sources;
};

}  // namespace voxgate
