#include "limits/client_address.hpp"

#include <algorithm>

namespace voxgate {

namespace ip = boost::asio::ip;

namespace {

// A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d; they are IPv4 clients.
ip::address plain(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return plain(a);
}

// An X-Forwarded-For hop: "192.0.2.1", "2001:db8::1", or with a port "192.0.2.1:4711",
// "[2001:db8::1]:4711" as some proxies write it.
std::optional<ip::address> parse_hop(std::string_view hop) {
  if (!hop.empty() && hop.front() == '[') {
    auto close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_address(hop.substr(1, close - 1));
  }
  auto colon = hop.find(':');
  if (colon != std::string_view::npos && hop.find(':', colon + 1) == std::string_view::npos)
    hop = hop.substr(0, colon);
  return parse_address(hop);
}

}  // namespace

std::string client_key(const ip::address& address) {
  ip::address a = plain(address);
  if (a.is_v4()) return a.to_string();
  return ip::network_v6(a.to_v6(), 64).canonical().to_string();
}

std::optional<AddressRange> parse_address_range(std::string_view text) {
  boost::system::error_code ec;
  std::string s(trim(text));
  if (s.find('/') == std::string::npos) {
    auto a = parse_address(s);
    if (!a) return std::nullopt;
    if (a->is_v4()) return AddressRange{ip::network_v4(a->to_v4(), 32), std::nullopt};
    return AddressRange{std::nullopt, ip::network_v6(a->to_v6(), 128)};
  }
  auto v4 = ip::make_network_v4(s, ec);
  if (!ec) return AddressRange{v4.canonical(), std::nullopt};
  ec.clear();
  auto v6 = ip::make_network_v6(s, ec);
  if (!ec) return AddressRange{std::nullopt, v6.canonical()};
  return std::nullopt;
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries,
                               std::vector<std::string>* errors) {
  for (const auto& entry : entries) {
    if (auto range = parse_address_range(entry))
      ranges_.push_back(*range);
    else if (errors)
      errors->push_back("limits.trusted_proxies entry \"" + entry +
                        "\" is not an address or network such as \"10.0.0.0/8\"");
  }
}

bool TrustedProxies::contains(const ip::address& address) const {
  ip::address a = plain(address);
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const AddressRange& r) {
    if (a.is_v4() && r.v4)
      return ip::network_v4(a.to_v4(), r.v4->prefix_length()).canonical() == *r.v4;
    if (a.is_v6() && r.v6)
      return ip::network_v6(a.to_v6(), r.v6->prefix_length()).canonical() == *r.v6;
    return false;
  });
}

std::optional<ip::address> TrustedProxies::forwarded_client(std::string_view header) const {
  std::optional<ip::address> client;
  while (!header.empty()) {
    auto comma = header.rfind(',');
    std::string_view hop =
        trim(comma == std::string_view::npos ? header : header.substr(comma + 1));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(0, comma);
    auto a = parse_hop(hop);
    if (!a) break;
    client = a;
    if (!contains(*a)) break;
  }
  return client;
}

}  // namespace voxgate
