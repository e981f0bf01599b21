#include "bridge/provider_transport.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace voxgate {

std::shared_ptr<boost::asio::ssl::context> make_provider_tls() {
  namespace ssl = boost::asio::ssl;
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  tls->set_verify_mode(ssl::verify_peer);
  // Without a store every handshake fails with "unable to get local issuer certificate",
  // which tls_failure_text reports; nothing is trusted by default.
  boost::system::error_code ignored;
  tls->set_default_verify_paths(ignored);
  return tls;
}

void expect_certificate_for(TlsStream& stream, const ProviderUrl& url) {
  SSL* native = stream.native_handle();
  // SNI carries names only (RFC 6066); an address must appear in the certificate itself.
  if (!url.host_is_ip) SSL_set_tlsext_host_name(native, url.host.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(native);
  if (url.host_is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
  }
}

std::string tls_failure_text(const boost::system::error_code& ec, TlsStream& stream,
                             const ProviderUrl& url) {
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) {
    std::string text = "the TLS certificate of " + url.host +
                       " was refused: " + X509_verify_cert_error_string(verify);
    if (verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
        verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
        verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
      text +=
          " (voxgate trusts this machine's CA store: is the ca-certificates package "
          "installed, or does a proxy intercept TLS?)";
    }
    return text;
  }
  return "TLS with " + url.display + " failed: " + ec.message();
}

}  // namespace voxgate
