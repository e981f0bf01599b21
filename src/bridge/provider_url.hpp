#pragma once
// Where voxgate may talk to a voice provider: TLS always, plain text only to this machine
// (tests and local fakes), so the API key and the call's audio never cross a network in clear.

#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

enum class ProviderUrlKind { http, websocket };  // https/http, or wss/ws

struct ProviderUrl {
  bool tls = false;
  bool host_is_ip = false;  // no SNI for addresses; the certificate must name the address
  std::string host;         // for the resolver, SNI and certificate checks: no IPv6 brackets
  std::string port;         // explicit or the scheme's default
  std::string host_header;  // host[:port] as the Host header carries it
  std::string target;       // path and query, starting with '/'
  std::string display;      // host:port for error texts (never the path: a call URL's path is
                            // its capability)
};

// True for 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z) and "localhost".
bool is_loopback_host(std::string_view host);

// Parses `text` and applies the transport rule. On refusal returns nothing and sets `error` to
// a clause naming the fix, to follow "<which URL>: "; it never repeats the URL's path, query
// or user info (a call's socket URL is a capability).
std::optional<ProviderUrl> parse_provider_url(std::string_view text, ProviderUrlKind kind,
                                              std::string& error);

}  // namespace voxgate
