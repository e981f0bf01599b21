#pragma once
// The two transports a connection can have: plain TCP, or TLS over TCP.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <type_traits>

namespace voxgate {

using PlainStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

template <class Stream>
inline constexpr bool is_tls_v = std::is_same_v<Stream, TlsStream>;

template <class Stream>
boost::asio::ip::tcp::socket& tcp_of(Stream& s) {
  if constexpr (is_tls_v<Stream>)
    return s.next_layer();
  else
    return s;
}

}  // namespace voxgate
