#pragma once
// Who a connection is for the per-client limits: the peer's address, or, when the peer is a
// trusted proxy (a load balancer), the client it names in X-Forwarded-For.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// An IPv4 address, or the /64 of an IPv6 one: one subscriber's network hands out a whole /64.
std::string client_key(const boost::asio::ip::address& address);

// "10.0.0.0/8", "192.0.2.7", "2001:db8::/32": an address or network; nullopt when it is neither.
struct AddressRange {
  std::optional<boost::asio::ip::network_v4> v4;
  std::optional<boost::asio::ip::network_v6> v6;
};
std::optional<AddressRange> parse_address_range(std::string_view text);

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // An entry that does not parse is an error naming it.
  TrustedProxies(const std::vector<std::string>& entries, std::vector<std::string>* errors);

  bool empty() const { return ranges_.empty(); }
  bool contains(const boost::asio::ip::address& address) const;
  // The client behind a trusted proxy: the last X-Forwarded-For hop that is not itself a trusted
  // proxy (the ones before it are the client's own word); nullopt when no hop parses.
  std::optional<boost::asio::ip::address> forwarded_client(std::string_view x_forwarded_for) const;

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace voxgate
