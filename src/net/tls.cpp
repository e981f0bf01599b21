#include "net/tls.hpp"

namespace voxgate {

std::unique_ptr<boost::asio::ssl::context> make_server_tls(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           std::string& error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 is the floor browsers and Vapi both support; older versions are broken.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "cannot load [server].tls_cert \"" + cert_file + "\": " + ec.message();
    return nullptr;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    error = "cannot load [server].tls_key \"" + key_file + "\": " + ec.message();
    return nullptr;
  }
  return ctx;
}

}  // namespace voxgate
