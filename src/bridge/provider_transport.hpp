#pragma once
// How voxgate reaches the voice provider: TCP, then TLS verified against the system CA store
// with SNI and host-name checks (plain only to loopback, see provider_url.hpp).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/provider_url.hpp"
#include "config/config.hpp"
#include "net/streams.hpp"

#ifndef VOXGATE_VERSION
#define VOXGATE_VERSION "dev"
#endif

namespace voxgate {

// Vapi's Cloudflare refuses default client agents.
inline constexpr std::string_view kProviderUserAgent = "voxgate/" VOXGATE_VERSION;

// What every connection to the provider needs: the key, the trust store, how long to wait.
struct ProviderAccess {
  std::string api_key;  // never logged, never in an error text
  std::shared_ptr<boost::asio::ssl::context> tls;
  Millis connect_timeout{10'000};  // DNS + TCP + TLS (+ WebSocket handshake)
  Millis request_timeout{30'000};  // the whole POST /call
};

// A client context: TLS 1.2 or later, peer verification against the system CA store.
std::shared_ptr<boost::asio::ssl::context> make_provider_tls();

// Sets SNI and the name (or address) the certificate must carry.
void expect_certificate_for(TlsStream& stream, const ProviderUrl& url);

// Why a TLS handshake failed: the refused certificate's reason when verification failed.
std::string tls_failure_text(const boost::system::error_code& ec, TlsStream& stream,
                             const ProviderUrl& url);

template <class Stream>
Stream make_provider_stream(const boost::asio::any_io_executor& executor,
                            boost::asio::ssl::context& tls) {
  if constexpr (is_tls_v<Stream>)
    return Stream(executor, tls);
  else
    return Stream(executor);
}

// Resolves, connects and, for TLS, handshakes. `then` gets an empty text on success, else a
// sentence saying what failed (host and port only: never the URL's path, never the key).
// Timeouts are the caller's: it closes the socket and cancels the resolver.
template <class Stream>
void dial(Stream& stream, boost::asio::ip::tcp::resolver& resolver, const ProviderUrl& url,
          std::function<void(std::string)> then) {
  using boost::asio::ip::tcp;
  resolver.async_resolve(
      url.host, url.port,
      [&stream, &url, then = std::move(then)](const boost::system::error_code& ec,
                                              const tcp::resolver::results_type& found) mutable {
        if (ec) return then("cannot resolve " + url.host + ": " + ec.message());
        // Plain text stays on this machine even if a name resolves elsewhere.
        std::vector<tcp::endpoint> endpoints;
        for (const auto& entry : found) {
          if (is_tls_v<Stream> || entry.endpoint().address().is_loopback())
            endpoints.push_back(entry.endpoint());
        }
        if (endpoints.empty()) {
          return then(url.host +
                      " resolves to no loopback address, and plain text goes only "
                      "to this machine: use TLS");
        }
        boost::asio::async_connect(
            tcp_of(stream), endpoints,
            // `stream` is used only for TLS: an implicit capture does not warn without it.
            [&, then = std::move(then)](const boost::system::error_code& ec,
                                        const tcp::endpoint&) mutable {
              if (ec) return then("cannot connect to " + url.display + ": " + ec.message());
              if constexpr (is_tls_v<Stream>) {
                expect_certificate_for(stream, url);
                stream.async_handshake(
                    boost::asio::ssl::stream_base::client,
                    [&stream, &url, then = std::move(then)](const boost::system::error_code& ec) {
                      then(ec ? tls_failure_text(ec, stream, url) : std::string());
                    });
              } else {
                then({});
              }
            });
      });
}

}  // namespace voxgate
