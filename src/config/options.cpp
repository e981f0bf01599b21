#include "config/options.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "config/units.hpp"
#include "limits/client_address.hpp"
#include "ops/text.hpp"

namespace voxgate {
namespace {

// Conversions between Config field types and OptionValue, picked by overload in field().
OptionValue to_value(const std::string& v) {
  return v;
}
OptionValue to_value(bool v) {
  return v;
}
OptionValue to_value(int v) {
  return std::int64_t{v};
}
OptionValue to_value(std::size_t v) {
  return static_cast<std::int64_t>(v);
}
OptionValue to_value(Millis v) {
  return v;
}
OptionValue to_value(const std::vector<OriginEntry>& v) {
  std::vector<ListItem> items;
  for (const auto& e : v) items.push_back({e.text, e.source});
  return items;
}
OptionValue to_value(const std::vector<std::string>& v) {
  std::vector<ListItem> items;
  for (const auto& text : v) items.push_back({text, {}});
  return items;
}

void from_value(OptionValue v, std::string& out) {
  out = std::get<std::string>(std::move(v));
}
void from_value(OptionValue v, bool& out) {
  out = std::get<bool>(v);
}
void from_value(OptionValue v, int& out) {
  out = static_cast<int>(std::get<std::int64_t>(v));
}
void from_value(OptionValue v, std::size_t& out) {
  out = static_cast<std::size_t>(std::get<std::int64_t>(v));
}
void from_value(OptionValue v, Millis& out) {
  out = std::get<Millis>(v);
}
void from_value(OptionValue v, std::vector<OriginEntry>& out) {
  out.clear();
  for (auto& item : std::get<std::vector<ListItem>>(v))
    out.push_back({std::move(item.text), std::move(item.source)});
}
void from_value(OptionValue v, std::vector<std::string>& out) {
  out.clear();
  for (auto& item : std::get<std::vector<ListItem>>(v)) out.push_back(std::move(item.text));
}

template <class Section, class Field>
Access field(Section Config::*section, Field Section::*member) {
  return {[=](const Config& c) { return to_value(c.*section.*member); },
          [=](Config& c, OptionValue v) { from_value(std::move(v), c.*section.*member); }};
}

std::int64_t integer(const OptionValue& v) {
  return std::get<std::int64_t>(v);
}

Bound integer_between(std::int64_t lo, std::int64_t hi) {
  return {"between " + std::to_string(lo) + " and " + std::to_string(hi),
          [=](const OptionValue& v) { return integer(v) >= lo && integer(v) <= hi; }};
}

Bound at_least(std::int64_t lo) {
  return {"at least " + std::to_string(lo), [=](const OptionValue& v) { return integer(v) >= lo; }};
}

Bound size_between(std::uint64_t lo, std::uint64_t hi) {
  return {"between " + format_size(lo) + " and " + format_size(hi), [=](const OptionValue& v) {
            return integer(v) >= static_cast<std::int64_t>(lo) &&
                   integer(v) <= static_cast<std::int64_t>(hi);
          }};
}

Bound positive() {
  return {"more than 0", [](const OptionValue& v) { return std::get<Millis>(v).count() > 0; }};
}

Bound not_empty() {
  return {"not empty", [](const OptionValue& v) { return !std::get<std::string>(v).empty(); }};
}

Bound one_of(std::vector<std::string> words) {
  std::string rule = "one of ";
  for (std::size_t i = 0; i < words.size(); ++i) rule += (i ? ", " : "") + words[i];
  return {rule, [words = std::move(words)](const OptionValue& v) {
            return std::find(words.begin(), words.end(), std::get<std::string>(v)) != words.end();
          }};
}

// host:port with a numeric port; IPv6 hosts in brackets, as in a URL.
bool is_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const auto host = std::string_view(text).substr(0, colon);
  const auto port = std::string_view(text).substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  if (std::stoi(std::string(port)) > 65535) return false;
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  return host.find_first_of(":[] \t/") == std::string_view::npos;
}

// A URL of one of `schemes`, e.g. "postgres://" or "nats://", with a host.
Bound url_with_scheme(std::vector<std::string> schemes) {
  std::string rule = "empty, or a URL starting with ";
  for (std::size_t i = 0; i < schemes.size(); ++i) rule += (i ? " or " : "") + schemes[i] + "://";
  return {rule, [schemes = std::move(schemes)](const OptionValue& v) {
            const auto& text = std::get<std::string>(v);
            if (text.empty()) return true;
            return std::any_of(schemes.begin(), schemes.end(), [&](const std::string& scheme) {
              return text.starts_with(scheme + "://") && text.size() > scheme.size() + 3;
            });
          }};
}

// A literal NATS subject: dot-separated tokens, no wildcards or blanks.
Bound nats_subject() {
  return {
      R"(a NATS subject such as "voxgate.events": dot-separated words, no "*", ">" or spaces)",
      [](const OptionValue& v) {
        const auto& s = std::get<std::string>(v);
        if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string::npos)
          return false;
        return s.find_first_of("*> \t\r\n") == std::string::npos;
      }};
}

Bound host_port() {
  return {R"(host:port, e.g. "127.0.0.1:8080", "0.0.0.0:443" or "[::1]:8080")",
          [](const OptionValue& v) { return is_host_port(std::get<std::string>(v)); }};
}

Bound duration_at_most(Millis most, std::string_view most_text) {
  return {"between 0s and " + std::string(most_text), [=](const OptionValue& v) {
            return std::get<Millis>(v).count() >= 0 && std::get<Millis>(v) <= most;
          }};
}

// The JWS algorithms the verifier implements; "none" is absent on purpose.
Bound jwt_algorithms() {
  return {R"(a non-empty list of "HS256", "RS256", "ES256"; "none" (unsigned tokens) is never )"
          R"(allowed)",
          [](const OptionValue& v) {
            const auto& items = std::get<std::vector<ListItem>>(v);
            return !items.empty() && std::all_of(items.begin(), items.end(), [](const auto& item) {
              return item.text == "HS256" || item.text == "RS256" || item.text == "ES256";
            });
          }};
}

// Trusted proxies: each entry an address or a network.
Bound address_ranges() {
  return {R"(a list of addresses or networks, e.g. "10.0.0.0/8", "192.0.2.7", "2001:db8::/32")",
          [](const OptionValue& v) {
            const auto& items = std::get<std::vector<ListItem>>(v);
            return std::all_of(items.begin(), items.end(), [](const auto& item) {
              return parse_address_range(item.text).has_value();
            });
          }};
}

Bound claim_path() {
  return {R"(a dotted claim path such as "app_metadata.org_id" or "org_id")",
          [](const OptionValue& v) {
            const auto& path = std::get<std::string>(v);
            return !path.empty() && path.front() != '.' && path.back() != '.' &&
                   path.find("..") == std::string::npos;
          }};
}

Bound assistant_org_pairs() {
  return {R"(a list of "assistantId=orgId", both sides non-empty)", [](const OptionValue& v) {
            const auto& items = std::get<std::vector<ListItem>>(v);
            return std::all_of(items.begin(), items.end(), [](const auto& item) {
              auto eq = item.text.find('=');
              return eq != std::string::npos && eq > 0 && eq + 1 < item.text.size();
            });
          }};
}

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
constexpr std::uint64_t GiB = 1024 * MiB;

using T = OptionType;

std::vector<Option> make_table() {
  std::vector<Option> table = {
      {.key = "server.listen",
       .type = T::string,
       .access = field(&Config::server, &ServerConfig::listen),
       .meaning = "address to listen on; serve --listen wins over every other setting",
       .bound = host_port(),
       .env = {{"VOXGATE_LISTEN"}, {"PORT", EnvForm::port}}},
      {.key = "server.threads",
       .type = T::integer,
       .access = field(&Config::server, &ServerConfig::threads),
       .meaning = "I/O threads; 0 means one per CPU core",
       .bound = integer_between(0, 256)},
      {.key = "server.tls_cert",
       .type = T::string,
       .access = field(&Config::server, &ServerConfig::tls_cert),
       .meaning = "PEM certificate chain file; TLS is on when tls_cert and tls_key are both set"},
      {.key = "server.tls_key",
       .type = T::string,
       .access = field(&Config::server, &ServerConfig::tls_key),
       .meaning = "PEM private key file belonging to tls_cert"},
      {.key = "limits.header_bytes",
       .type = T::size,
       .access = field(&Config::limits, &LimitsConfig::header_bytes),
       .meaning = "largest HTTP request head (request line and headers) accepted",
       .bound = size_between(KiB, MiB)},
      {.key = "limits.body_bytes",
       .type = T::size,
       .access = field(&Config::limits, &LimitsConfig::body_bytes),
       .meaning = "largest HTTP request body accepted",
       .bound = size_between(KiB, GiB)},
      {.key = "limits.handshake_timeout",
       .type = T::duration,
       .access = field(&Config::limits, &LimitsConfig::handshake_timeout),
       .meaning = "time for a new connection's request head (and TLS handshake) to arrive",
       .bound = positive()},
      {.key = "limits.http_idle_timeout",
       .type = T::duration,
       .access = field(&Config::limits, &LimitsConfig::http_idle_timeout),
       .meaning = "how long a keep-alive connection may wait for its next request",
       .bound = positive()},
      {.key = "limits.max_connections",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::max_connections),
       .meaning = "open connections at most; further ones are refused",
       .bound = at_least(1)},
      {.key = "limits.ws_message_bytes",
       .type = T::size,
       .access = field(&Config::limits, &LimitsConfig::ws_message_bytes),
       .meaning = "largest WebSocket message accepted; a larger one closes the socket with 1009",
       .bound = size_between(KiB, GiB)},
      {.key = "limits.shutdown_grace",
       .type = T::duration,
       .access = field(&Config::limits, &LimitsConfig::shutdown_grace),
       .meaning = "how long shutdown waits for open connections before cutting them",
       .bound = positive()},
      {.key = "limits.connections_per_ip",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::connections_per_ip),
       .meaning = "open connections from one client address (IPv4, or an IPv6 /64); further ones "
                  "are answered 503 with Retry-After; 0: no limit",
       .bound = integer_between(0, 1'000'000)},
      {.key = "limits.connection_rate_per_ip",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::connection_rate_per_ip),
       .meaning = "new connections a second from one client address, in bursts of up to twice "
                  "that; faster ones are answered 429 with Retry-After; 0: no limit",
       .bound = integer_between(0, 1'000'000)},
      {.key = "limits.trusted_proxies",
       .type = T::string_list,
       .access = field(&Config::limits, &LimitsConfig::trusted_proxies),
       .meaning = "load balancers (addresses or networks such as \"10.0.0.0/8\") whose "
                  "X-Forwarded-For names the client the per-address limits count",
       .bound = address_ranges()},
      {.key = "limits.connections_per_user",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::connections_per_user),
       .meaning = "open live-calls and test-call sockets of one user on this node; the next one "
                  "is closed 1008; 0: no limit",
       .bound = integer_between(0, 1'000'000)},
      {.key = "limits.publish_rate_per_key",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::publish_rate_per_key),
       .meaning = "POST /api/events requests a second per API key, in bursts of up to twice "
                  "that; faster ones are answered 429 with Retry-After; 0: no limit",
       .bound = integer_between(0, 1'000'000)},
      {.key = "limits.test_calls_per_org",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::test_calls_per_org),
       .meaning = "browser test calls one org may have going at once on this node; the next "
                  "start is answered 429 with Retry-After; 0: no limit",
       .bound = integer_between(0, 100'000)},
      {.key = "limits.subscribes_per_connection",
       .type = T::integer,
       .access = field(&Config::limits, &LimitsConfig::subscribes_per_connection),
       .meaning = "subscribe and refresh messages a minute one live-calls connection may send; "
                  "the next one closes it 1008; 0: no limit",
       .bound = integer_between(0, 100'000)},
      {.key = "origins.allow",
       .type = T::string_list,
       .access = field(&Config::origins, &OriginsConfig::allow),
       .meaning = "origins allowed for CORS and WebSocket: \"https://a.com\", \"https://*.a.com\", "
                  "\"http://localhost:*\"",
       .env = {{"FRONTEND_URL", EnvForm::one_item}, {"CORS_ORIGIN"}, {"ALLOWED_WS_ORIGINS"}}},
      {.key = "origins.allow_missing",
       .type = T::boolean,
       .access = field(&Config::origins, &OriginsConfig::allow_missing),
       .meaning = "accept requests without an Origin header (non-browser clients)"},
      {.key = "live.auth_timeout",
       .type = T::duration,
       .access = field(&Config::live, &LiveConfig::auth_timeout),
       .meaning = "time a /ws/live-calls client has to send its subscribe message",
       .bound = positive()},
      {.key = "live.ping_interval",
       .type = T::duration,
       .access = field(&Config::live, &LiveConfig::ping_interval),
       .meaning = "how often the server pings each live-calls connection",
       .bound = positive()},
      {.key = "live.idle_timeout",
       .type = T::duration,
       .access = field(&Config::live, &LiveConfig::idle_timeout),
       .meaning = "a live-calls connection silent this long is closed; longer than ping_interval",
       .bound = positive()},
      {.key = "live.queue_bytes",
       .type = T::size,
       .access = field(&Config::live, &LiveConfig::queue_bytes),
       .meaning = "outbound queue per connection; a client behind by more is closed 1013",
       .bound = size_between(KiB, GiB)},
      {.key = "dev.enabled",
       .type = T::boolean,
       .access = field(&Config::dev, &DevConfig::enabled),
       .meaning = "development helpers such as token minting; never in production"},
      {.key = "dev.echo_route",
       .type = T::boolean,
       .access = field(&Config::dev, &DevConfig::echo_route),
       .meaning = "serve /ws/echo for RFC 6455 conformance suites"},
      {.key = "dev.token_ttl",
       .type = T::duration,
       .access = field(&Config::dev, &DevConfig::token_ttl),
       .meaning = "lifetime of a development token minted by POST /api/dev/token",
       .bound = positive()},
      {.key = "web.enabled",
       .type = T::boolean,
       .access = field(&Config::web, &WebConfig::enabled),
       .meaning = "serve the dashboard (/) and the browser test call page (/test-call)"},
      {.key = "web.dir",
       .type = T::string,
       .access = field(&Config::web, &WebConfig::dir),
       .meaning = "serve the pages from this folder (page development) instead of the built-in copy"},
      {.key = "log.level",
       .type = T::string,
       .access = field(&Config::log, &LogConfig::level),
       .meaning = "least severe log level written",
       .bound = one_of({"debug", "info", "warn", "error"})},
      {.key = "log.rejection_interval",
       .type = T::duration,
       .access = field(&Config::log, &LogConfig::rejection_interval),
       .meaning = "one \"Origin not allowed\" log line per origin per interval",
       .bound = positive()},
      {.key = "auth.jwt_secret",
       .type = T::string,
       .access = field(&Config::auth, &AuthConfig::jwt_secret),
       .meaning = "HS256 secret that signs user JWTs (the Supabase project's JWT secret)",
       .env = {{"SUPABASE_JWT_SECRET"}},
       .secret = true},
      {.key = "auth.public_key_file",
       .type = T::string,
       .access = field(&Config::auth, &AuthConfig::public_key_file),
       .meaning = "PEM public key (RSA or EC P-256) for RS256/ES256 tokens whose kid is not in "
                  "jwks_file"},
      {.key = "auth.jwks_file",
       .type = T::string,
       .access = field(&Config::auth, &AuthConfig::jwks_file),
       .meaning = "JWKS file (the project's /auth/v1/.well-known/jwks.json); a token's kid picks "
                  "its key"},
      {.key = "auth.algorithms",
       .type = T::string_list,
       .access = field(&Config::auth, &AuthConfig::algorithms),
       .meaning = "token algorithms accepted; each is verified only with its own kind of key",
       .bound = jwt_algorithms()},
      {.key = "auth.issuer",
       .type = T::string,
       .access = field(&Config::auth, &AuthConfig::issuer),
       .meaning = "required iss claim, e.g. \"https://<project>.supabase.co/auth/v1\"; empty: "
                  "not checked"},
      {.key = "auth.audience",
       .type = T::string,
       .access = field(&Config::auth, &AuthConfig::audience),
       .meaning = "required aud claim (Supabase writes \"authenticated\"); empty: not checked"},
      {.key = "auth.clock_skew",
       .type = T::duration,
       .access = field(&Config::auth, &AuthConfig::clock_skew),
       .meaning = "clock difference tolerated when checking exp and nbf",
       .bound = duration_at_most(Millis{600'000}, "10m")},
      {.key = "auth.org_claim",
       .type = T::string,
       .access = field(&Config::auth, &AuthConfig::org_claim),
       .meaning = "dotted path of the claim holding the user's org id",
       .bound = claim_path()},
      {.key = "auth.max_token_bytes",
       .type = T::size,
       .access = field(&Config::auth, &AuthConfig::max_token_bytes),
       .meaning = "longest token accepted; longer ones are refused before any decoding",
       .bound = size_between(KiB, MiB)},
      {.key = "publish.api_keys",
       .type = T::string_list,
       .access = field(&Config::publish, &PublishConfig::api_keys),
       .meaning = "bearer keys the platform's backend presents to POST /api/events",
       .env = {{"VOXGATE_API_KEY", EnvForm::one_item}},
       .secret = true},
      {.key = "publish.event_bytes",
       .type = T::size,
       .access = field(&Config::publish, &PublishConfig::event_bytes),
       .meaning = "largest single event POST /api/events accepts; a larger one answers 413",
       .bound = size_between(KiB, 16 * MiB)},
      {.key = "publish.max_batch",
       .type = T::integer,
       .access = field(&Config::publish, &PublishConfig::max_batch),
       .meaning = "events in one POST /api/events body at most",
       .bound = integer_between(1, 100'000)},
      {.key = "store.path",
       .type = T::string,
       .access = field(&Config::store, &StoreConfig::path),
       .meaning = "SQLite file holding the event history; its directory must exist",
       .bound = not_empty(),
       .env = {{"VOXGATE_DB"}}},
      {.key = "store.synchronous",
       .type = T::string,
       .access = field(&Config::store, &StoreConfig::synchronous),
       .meaning = "\"normal\" survives a crash of voxgate; \"full\" also a power loss, at a cost "
                  "per write",
       .bound = one_of({"normal", "full"})},
      {.key = "database.url",
       .type = T::string,
       .access = field(&Config::database, &DatabaseConfig::url),
       .meaning = "PostgreSQL shared by every gateway node, \"postgres://user:pass@host:5432/db\"; "
                  "empty: the SQLite file of store.path",
       .bound = url_with_scheme({"postgres", "postgresql"}),
       .env = {{"DATABASE_URL"}},
       .secret = true},
      {.key = "database.pool_size",
       .type = T::integer,
       .access = field(&Config::database, &DatabaseConfig::pool_size),
       .meaning = "PostgreSQL connections this node opens at most",
       .bound = integer_between(1, 64)},
      {.key = "broker.url",
       .type = T::string,
       .access = field(&Config::broker, &BrokerConfig::url),
       .meaning = "NATS server carrying events between gateway nodes, \"nats://host:4222\" "
                  "(several comma-separated for a cluster); empty: one node, in-process fan-out",
       .bound = url_with_scheme({"nats", "tls"}),
       .env = {{"NATS_URL"}},
       .secret = true},
      {.key = "broker.subject",
       .type = T::string,
       .access = field(&Config::broker, &BrokerConfig::subject),
       .meaning = "NATS subject the nodes of one deployment share; another deployment on the same "
                  "NATS needs its own",
       .bound = nats_subject()},
      {.key = "history.max_events_per_org",
       .type = T::integer,
       .access = field(&Config::history, &HistoryConfig::max_events_per_org),
       .meaning = "events kept per org for recovery with since; older ones are dropped",
       .bound = at_least(1)},
      {.key = "history.max_age",
       .type = T::duration,
       .access = field(&Config::history, &HistoryConfig::max_age),
       .meaning = "events older than this are dropped from the history",
       .bound = positive()},
      {.key = "vapi.webhook_secret",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_secret),
       .meaning = "HMAC secret of the Vapi credential signing webhooks (x-signature over "
                  "\"<x-timestamp>.<body>\")",
       .env = {{"VAPI_WEBHOOK_SECRET"}},
       .secret = true},
      {.key = "vapi.webhook_signature_header",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_signature_header),
       .meaning = "header carrying the hex HMAC signature",
       .bound = not_empty()},
      {.key = "vapi.webhook_timestamp_header",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_timestamp_header),
       .meaning = "header carrying the signed timestamp (seconds or milliseconds)",
       .bound = not_empty()},
      {.key = "vapi.webhook_signature_prefix",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_signature_prefix),
       .meaning = "text before the hex signature, e.g. \"sha256=\"; empty: none"},
      {.key = "vapi.webhook_algorithm",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_algorithm),
       .meaning = "HMAC digest of the webhook signature",
       .bound = one_of({"sha256", "sha512"})},
      {.key = "vapi.webhook_replay_window",
       .type = T::duration,
       .access = field(&Config::vapi, &VapiConfig::webhook_replay_window),
       .meaning = "how far a signed timestamp may be from now, either way; older signatures are "
                  "refused as replays",
       .bound = duration_at_most(Millis{3'600'000}, "1h")},
      {.key = "vapi.webhook_bearer_token",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_bearer_token),
       .meaning = "token of a Vapi bearer credential, sent as \"Bearer <token>\"",
       .env = {{"VAPI_WEBHOOK_TOKEN"}},
       .secret = true},
      {.key = "vapi.webhook_bearer_header",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_bearer_header),
       .meaning = "header carrying the bearer token",
       .bound = not_empty()},
      {.key = "vapi.webhook_legacy_secret",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::webhook_legacy_secret),
       .meaning = "server secret older assistants send in x-vapi-secret",
       .env = {{"VAPI_SERVER_SECRET"}},
       .secret = true},
      {.key = "vapi.assistant_orgs",
       .type = T::string_list,
       .access = field(&Config::vapi, &VapiConfig::assistant_orgs),
       .meaning = "\"assistantId=orgId\" pairs: the org of a call whose payload names none",
       .bound = assistant_org_pairs()},
      {.key = "vapi.webhook_dedupe_window",
       .type = T::duration,
       .access = field(&Config::vapi, &VapiConfig::webhook_dedupe_window),
       .meaning = "how long a delivered webhook is remembered, so a repeat makes no second event",
       .bound = positive()},
      {.key = "vapi.provider",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::provider),
       .meaning = "who answers browser test calls: \"vapi\", or \"echo\" (a built-in agent "
                  "that plays your audio back); empty: vapi when api_key is set, else echo",
       .bound = {R"("vapi", "echo", or empty (automatic))", [](const OptionValue& v) {
                   const auto& name = std::get<std::string>(v);
                   return name.empty() || name == "vapi" || name == "echo";
                 }}},
      {.key = "vapi.api_key",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::api_key),
       .meaning = "Vapi private API key for creating test calls; never reaches a browser",
       .env = {{"VAPI_API_KEY"}},
       .secret = true},
      {.key = "vapi.base_url",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::base_url),
       .meaning = "Vapi's API; https, or http only to a loopback address (tests)",
       .bound = not_empty(),
       .env = {{"VAPI_BASE_URL"}}},
      {.key = "vapi.assistant_id",
       .type = T::string,
       .access = field(&Config::vapi, &VapiConfig::assistant_id),
       .meaning = "assistant for test calls whose start request names none",
       .env = {{"VAPI_ASSISTANT_ID"}}},
      {.key = "vapi.request_timeout",
       .type = T::duration,
       .access = field(&Config::vapi, &VapiConfig::request_timeout),
       .meaning = "how long POST /call may take before the start request answers 504",
       .bound = positive()},
      {.key = "vapi.connect_timeout",
       .type = T::duration,
       .access = field(&Config::vapi, &VapiConfig::connect_timeout),
       .meaning = "how long connecting to the provider (TCP, TLS, WebSocket) may take",
       .bound = positive()},
      {.key = "vapi.unattached_timeout",
       .type = T::duration,
       .access = field(&Config::vapi, &VapiConfig::unattached_timeout),
       .meaning = "a started test call that no browser attached to ends after this long",
       .bound = positive()},
      {.key = "vapi.max_call_duration",
       .type = T::duration,
       .access = field(&Config::vapi, &VapiConfig::max_call_duration),
       .meaning = "a test call is cut after this long (call_ended reason \"timeout\")",
       .bound = positive()},
  };
  for (auto& option : table)
    option.env.insert(option.env.begin(), {automatic_env_name(option.key)});
  return table;
}

// A typo, not a different word: a third of the name may differ, at least two characters.
std::size_t typo_budget(std::string_view name) {
  return std::max<std::size_t>(2, name.size() / 3);
}

std::vector<std::string> section_names() {
  std::vector<std::string> names;
  for (const auto& option : options())
    if (std::find(names.begin(), names.end(), option.section()) == names.end())
      names.emplace_back(option.section());
  return names;
}

std::string joined(const std::vector<std::string>& words, std::string_view before,
                   std::string_view after) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i ? ", " : "") + std::string(before) + words[i] + std::string(after);
  return out;
}

}  // namespace

std::string Option::file_source() const {
  return "[" + std::string(section()) + "]." + std::string(name());
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = make_table();
  return table;
}

const Option* find_option(std::string_view key) {
  for (const auto& option : options())
    if (option.key == key) return &option;
  return nullptr;
}

bool is_section(std::string_view name) {
  for (const auto& option : options())
    if (option.section() == name) return true;
  return false;
}

std::string automatic_env_name(std::string_view key) {
  std::string name = "VOXGATE_";
  for (char c : key)
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string unknown_option_message(std::string_view key) {
  const auto dot = key.find('.');
  const std::string section = dot == std::string_view::npos ? "" : to_lower(key.substr(0, dot));
  const std::string name = to_lower(dot == std::string_view::npos ? key : key.substr(dot + 1));
  const Option* best = nullptr;
  std::size_t best_distance = typo_budget(name) + 1;
  for (const auto& option : options()) {
    // Either the whole key is misspelt, or the right name sits in the wrong (or no) section.
    const std::size_t whole = edit_distance(to_lower(key), option.key);
    const std::size_t moved =
        edit_distance(name, option.name()) + (section == option.section() ? 0 : 1);
    if (std::min(whole, moved) < best_distance) {
      best_distance = std::min(whole, moved);
      best = &option;
    }
  }
  std::string message = "unknown option " + std::string(key);
  if (best) return message + "; did you mean " + best->key + "?";
  if (is_section(section)) {
    std::vector<std::string> names;
    for (const auto& option : options())
      if (option.section() == section) names.emplace_back(option.name());
    return message + "; [" + section + "] has " + joined(names, "", "");
  }
  return message + "; the sections are " + joined(section_names(), "[", "]");
}

std::string unknown_section_message(std::string_view name) {
  std::string best;
  std::size_t best_distance = typo_budget(name) + 1;
  for (const auto& section : section_names()) {
    const std::size_t distance = edit_distance(to_lower(name), section);
    if (distance < best_distance) {
      best_distance = distance;
      best = section;
    }
  }
  std::string message = "unknown section [" + std::string(name) + "]";
  if (!best.empty()) return message + "; did you mean [" + best + "]?";
  return message + "; the sections are " + joined(section_names(), "[", "]");
}

std::string expected_text(OptionType type) {
  switch (type) {
    case OptionType::string:
      return "a string";
    case OptionType::boolean:
      return "true or false";
    case OptionType::integer:
      return "an integer";
    case OptionType::size:
      return "a size: " + std::string(size_syntax);
    case OptionType::duration:
      return "a duration: " + std::string(duration_syntax);
    case OptionType::string_list:
      return "an array of strings";
  }
  return "a value";
}

}  // namespace voxgate
