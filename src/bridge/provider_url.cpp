#include "bridge/provider_url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "ops/text.hpp"

namespace voxgate {
namespace {

// Boost.URL keeps only the low 16 bits of a larger port number.
bool valid_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  const std::string name = to_lower(host);
  if (name == "localhost" || name == "localhost.") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(name, ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .is_loopback();
  }
  return address.is_loopback();
}

std::optional<ProviderUrl> parse_provider_url(std::string_view text, ProviderUrlKind kind,
                                              std::string& error) {
  const bool web = kind == ProviderUrlKind::websocket;
  const std::string_view secure = web ? "wss" : "https";
  const std::string_view plain = web ? "ws" : "http";
  const std::string example = web ? "wss://api.vapi.ai/<call>/transport" : "https://api.vapi.ai";

  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    error = "not an absolute URL; expected e.g. " + example;
    return std::nullopt;
  }
  const boost::urls::url_view url = *parsed;
  const std::string scheme = to_lower(url.scheme());
  if (scheme != secure && scheme != plain) {
    error = "scheme \"" + scheme + "\" is not " + std::string(secure) + ":// (or " +
            std::string(plain) + ":// to a loopback address)";
    return std::nullopt;
  }
  if (!url.has_authority() || url.host_address().empty()) {
    error = "no host; expected e.g. " + example;
    return std::nullopt;
  }
  if (url.has_userinfo()) {
    error = "user info (user@host) is not allowed: the API key goes in [vapi].api_key";
    return std::nullopt;
  }
  if (url.has_fragment()) {
    error = "a #fragment cannot be sent: drop it";
    return std::nullopt;
  }
  if (url.has_port() && !valid_port(url.port())) {
    error = "invalid port: give one between 1 and 65535, or none for the default";
    return std::nullopt;
  }

  ProviderUrl out;
  out.tls = scheme == secure;
  out.host_is_ip = url.host_type() == boost::urls::host_type::ipv4 ||
                   url.host_type() == boost::urls::host_type::ipv6;
  out.host = url.host_address();
  out.port = url.has_port() ? std::string(url.port()) : (out.tls ? "443" : "80");
  out.host_header = url.encoded_host_and_port();
  out.target = url.encoded_target();
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  const bool bracketed = url.host_type() == boost::urls::host_type::ipv6;
  out.display = (bracketed ? "[" + out.host + "]" : out.host) + ":" + out.port;

  if (!out.tls && !is_loopback_host(out.host)) {
    error = std::string(plain) + ":// is allowed only to a loopback address (127.0.0.0/8, ::1, " +
            "localhost), not to " + out.host + ": use " + std::string(secure) + "://";
    return std::nullopt;
  }
  return out;
}

}  // namespace voxgate
