// `voxgate doctor <ws-url>`: performs a real WebSocket upgrade against a running gateway and
// explains each step, because a browser only ever shows "1006" whatever went wrong.

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"

#ifndef VOXGATE_VERSION
#define VOXGATE_VERSION "dev"
#endif

namespace voxgate::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUserAgent = "voxgate-doctor/" VOXGATE_VERSION;

// One line per step: a mark, the step's name, what happened; details indent under it.
class Report {
 public:
  void ok(std::string_view step, std::string_view text) { line("[ok]", step, text); }
  void skip(std::string_view step, std::string_view text) { line("[skip]", step, text); }
  void warn(std::string_view step, std::string_view text) { line("[warn]", step, text); }
  void fail(std::string_view step, std::string_view text) { line("[FAIL]", step, text); }
  void detail(std::string_view name, std::string_view text) { line("", name, text); }

  // Prints the closing verdict; returns the exit status (0 only when the upgrade was accepted).
  int verdict(bool accepted, std::string_view text) {
    std::printf("verdict: %.*s\n", static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
    return accepted ? 0 : 1;
  }

 private:
  static void line(std::string_view mark, std::string_view step, std::string_view text) {
    std::printf("%-7.*s%-8.*s %.*s\n", static_cast<int>(mark.size()), mark.data(),
                static_cast<int>(step.size()), step.data(), static_cast<int>(text.size()),
                text.data());
    std::fflush(stdout);
  }
};

std::string seconds(Millis timeout) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(timeout.count()) / 1000.0);
  return text;
}

std::string elapsed_since(Clock::time_point start) {
  char text[32];
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(micros.count()) / 1000.0);
  return text;
}

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Server-controlled text is shown one line at a time, without control bytes, and bounded.
std::string printable(std::string_view text, std::size_t limit = 300) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  if (text.size() > limit) out += "...";
  return out;
}

std::vector<std::string> body_lines(std::string_view body, std::size_t max_lines = 6) {
  std::vector<std::string> lines;
  while (!body.empty() && lines.size() < max_lines) {
    auto end = body.find('\n');
    auto line = body.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(printable(line));
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
  }
  if (!body.empty()) lines.push_back("...");
  return lines;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

// The Sec-WebSocket-Accept a conforming server derives from our key (RFC 6455 section 4.2.2).
std::string expected_accept(std::string_view key) {
  std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_size, EVP_sha1(), nullptr);
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int size = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
  return std::string(reinterpret_cast<char*>(encoded), static_cast<std::size_t>(size));
}

// Runs the io_context until the one operation `initiate` starts has completed. Every stream
// operation carries an expiry (tcp_stream::expires_after), so this always returns.
template <class Initiate>
beast::error_code run_until_complete(asio::io_context& ioc, Initiate&& initiate) {
  std::optional<beast::error_code> result;
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  while (!result && ioc.run_one() != 0) {
  }
  return result.value_or(asio::error::operation_aborted);
}

struct Target {
  bool tls = false;
  bool host_is_ip = false;
  std::string host;         // for the resolver, SNI and certificate checks: no IPv6 brackets
  std::string port;         // explicit or the scheme's default
  std::string host_header;  // host[:port] as the Host header carries it
  std::string path;         // path and query
  std::string display;      // host:port in messages
};

std::optional<Target> parse_target(const std::string& text, Report& out, int& status) {
  auto parsed = urls::parse_uri(text);
  if (!parsed) {
    out.fail("url", quoted(printable(text)) + " is not a URL");
    status =
        out.verdict(false, "give a full WebSocket URL, e.g. ws://127.0.0.1:8080/ws/live-calls");
    return std::nullopt;
  }
  urls::url_view url = *parsed;
  std::string scheme(url.scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "http" || scheme == "https") {
    urls::url websocket_url(url);
    websocket_url.set_scheme(scheme == "http" ? "ws" : "wss");
    out.fail("url", std::string(url.buffer()) + ": " + scheme + ":// is not a WebSocket scheme");
    status = out.verdict(
        false, "doctor performs a WebSocket upgrade: use " + std::string(websocket_url.buffer()));
    return std::nullopt;
  }
  if (scheme != "ws" && scheme != "wss") {
    out.fail("url",
             printable(text) + ": scheme " + quoted(printable(scheme)) + " is not ws or wss");
    status =
        out.verdict(false, "use a ws:// or wss:// URL, e.g. ws://127.0.0.1:8080/ws/live-calls");
    return std::nullopt;
  }
  if (!url.has_authority() || url.encoded_host().empty()) {
    out.fail("url", printable(text) + ": no host");
    status = out.verdict(false, "name the gateway's host, e.g. ws://127.0.0.1:8080/ws/live-calls");
    return std::nullopt;
  }
  if (url.has_fragment()) {
    out.fail("url", printable(text) + ": WebSocket URLs cannot carry a #fragment (RFC 6455 3)");
    status = out.verdict(false, "drop the #... part of the URL; browsers refuse it as well");
    return std::nullopt;
  }
  if (url.has_port() && url.port_number() == 0) {
    out.fail("url", printable(text) + ": port " + quoted(printable(url.port())) + " is not valid");
    status = out.verdict(false, "give a port between 1 and 65535, or none for the default");
    return std::nullopt;
  }

  Target target;
  target.tls = scheme == "wss";
  target.host_is_ip =
      url.host_type() == urls::host_type::ipv4 || url.host_type() == urls::host_type::ipv6;
  target.host = url.host_address();
  target.port = url.has_port() ? std::string(url.port()) : (target.tls ? "443" : "80");
  target.host_header = url.encoded_host_and_port();
  target.path = url.encoded_target();
  if (target.path.empty() || target.path.front() != '/') target.path.insert(0, "/");
  bool bracketed = url.host_type() == urls::host_type::ipv6;
  target.display = (bracketed ? "[" + target.host + "]" : target.host) + ":" + target.port;
  out.ok("url", url.buffer());
  return target;
}

std::optional<tcp::resolver::results_type> resolve(asio::io_context& ioc, const Target& target,
                                                   Millis timeout, Report& out, int& status) {
  // The resolver has no expiry of its own: wait for it at most `timeout`. After a timeout the
  // caller returns at once, so the abandoned lookup's handler is never run.
  tcp::resolver resolver(ioc);
  std::optional<beast::error_code> result;
  tcp::resolver::results_type found;
  resolver.async_resolve(target.host, target.port,
                         [&](beast::error_code ec, tcp::resolver::results_type results) {
                           result = ec;
                           found = std::move(results);
                         });
  auto deadline = Clock::now() + timeout;
  ioc.restart();
  while (!result && ioc.run_one_until(deadline) != 0) {
  }
  if (!result) {
    out.fail("dns", "no answer for " + target.host + " within " + seconds(timeout));
    status = out.verdict(false,
                         "this machine's DNS resolver does not answer: check its network "
                         "and /etc/resolv.conf, or test the gateway by IP address");
    return std::nullopt;
  }
  if (*result) {
    out.fail("dns", "cannot resolve " + target.host + ": " + result->message());
    status = out.verdict(false, target.host +
                                    " does not resolve: check its spelling in the URL, its DNS "
                                    "record, or /etc/hosts on this machine");
    return std::nullopt;
  }
  std::vector<std::string> addresses;
  for (const auto& entry : found) {
    auto address = entry.endpoint().address().to_string();
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(address);
    }
  }
  std::string list;
  for (const auto& address : addresses) list += (list.empty() ? "" : ", ") + address;
  out.ok("dns", target.host + " -> " + list);
  return found;
}

bool connect(asio::io_context& ioc, beast::tcp_stream& stream,
             const tcp::resolver::results_type& endpoints, const Target& target, Millis timeout,
             Report& out, int& status) {
  auto start = Clock::now();
  stream.expires_after(timeout);
  auto ec =
      run_until_complete(ioc, [&](auto done) { stream.async_connect(endpoints, std::move(done)); });
  if (!ec) {
    beast::error_code ignored;
    out.ok("tcp", "connected to " + endpoint_text(stream.socket().remote_endpoint(ignored)) +
                      " in " + elapsed_since(start));
    return true;
  }
  if (ec == asio::error::connection_refused) {
    out.fail("tcp", "connection refused by " + target.display);
    status = out.verdict(false, "nothing listens at " + target.display +
                                    ": is voxgate running, and on which --listen address? "
                                    "(default 127.0.0.1:8080; VOXGATE_LISTEN or PORT change it)");
  } else if (ec == beast::error::timeout) {
    out.fail("tcp", "no answer from " + target.display + " within " + seconds(timeout));
    status = out.verdict(false,
                         "the connection was neither accepted nor refused: a firewall or "
                         "security group drops the packets, or the host is down or not "
                         "the one you meant; check the host, the port and the firewall");
  } else if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    out.fail("tcp", target.display + ": " + ec.message());
    status = out.verdict(false, "no route from this machine to " + target.host +
                                    ": check the address and this machine's network");
  } else {
    out.fail("tcp", target.display + ": " + ec.message());
    status = out.verdict(
        false, "could not open a TCP connection to " + target.display + ": " + ec.message());
  }
  return false;
}

// What the certificate check saw, kept from the verify callback: OpenSSL's handshake error
// alone does not say which certificate was refused or what names it carries.
struct CertificateFacts {
  std::string subject;
  std::string names;      // subjectAltName DNS and IP entries
  std::string not_after;  // end of validity
  long error = X509_V_OK;

  std::string describe() const {
    std::string text = subject.empty() ? "(no certificate)" : subject;
    if (!names.empty()) text += "; names: " + names;
    if (!not_after.empty()) text += "; valid until " + not_after;
    return text;
  }
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(std::max(size, 0L)));
  BIO_free(bio);
  return text;
}

void read_certificate(X509* cert, CertificateFacts& facts) {
  BIO* subject = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(subject, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  facts.subject = printable(bio_text(subject));

  BIO* not_after = BIO_new(BIO_s_mem());
  ASN1_TIME_print(not_after, X509_get0_notAfter(cert));
  facts.not_after = printable(bio_text(not_after));

  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string entry;
    if (name->type == GEN_DNS) {
      const unsigned char* data = ASN1_STRING_get0_data(name->d.dNSName);
      entry.assign(reinterpret_cast<const char*>(data),
                   static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
    } else if (name->type == GEN_IPADD) {
      const unsigned char* data = ASN1_STRING_get0_data(name->d.iPAddress);
      int length = ASN1_STRING_length(name->d.iPAddress);
      if (length == 4) {
        entry = asio::ip::address_v4(
                    asio::ip::address_v4::bytes_type{data[0], data[1], data[2], data[3]})
                    .to_string();
      } else if (length == 16) {
        asio::ip::address_v6::bytes_type bytes;
        std::copy(data, data + 16, bytes.begin());
        entry = asio::ip::address_v6(bytes).to_string();
      }
    }
    if (!entry.empty()) facts.names += (facts.names.empty() ? "" : ", ") + printable(entry);
  }
  GENERAL_NAMES_free(names);
}

// Names the fix for a certificate OpenSSL refused.
std::string certificate_verdict(long error, const Target& target, const CertificateFacts& facts) {
  switch (error) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "the gateway's certificate is not signed by a CA this machine trusts. For a "
             "self-signed or private-CA gateway pass --ca-file <its CA, PEM> (browsers need that "
             "CA installed too); for a public CA the server must send its intermediate "
             "certificates: put the full chain in [server] tls_cert (or the proxy's setting)";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the gateway's certificate expired (" + facts.not_after +
             "): renew it ([server] tls_cert and tls_key, or wherever TLS terminates)";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the gateway's certificate is not valid yet: check this machine's clock, or the "
             "certificate's start date";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "the certificate does not cover " + target.host +
             " (it names: " + (facts.names.empty() ? facts.subject : facts.names) +
             "): connect with a name it covers, or issue one that includes " + target.host;
    default:
      return std::string("the certificate was refused: ") + X509_verify_cert_error_string(error);
  }
}

ssl::context make_tls_context(const DoctorOptions& options) {
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_verify_mode(options.insecure ? ssl::verify_none : ssl::verify_peer);
  return context;
}

bool load_trust(ssl::context& context, const DoctorOptions& options, Report& out, int& status) {
  beast::error_code ec;
  context.set_default_verify_paths(ec);
  if (ec) out.warn("tls", "cannot load the system CA store: " + ec.message());
  if (options.ca_file.empty()) return true;
  context.load_verify_file(options.ca_file, ec);
  if (!ec) return true;
  out.fail("tls", "cannot load --ca-file " + options.ca_file + ": " + ec.message());
  status = out.verdict(false,
                       "--ca-file must name a readable PEM file holding the gateway's CA "
                       "certificate (or its self-signed certificate)");
  return false;
}

std::string tls_failure_verdict(const beast::error_code& ec, const Target& target, Millis timeout) {
  if (ec == beast::error::timeout) {
    return "the TLS handshake did not finish within " + seconds(timeout) +
           ": the port may not serve TLS (try ws://), or something in between stalls";
  }
  if (ec == ssl::error::stream_truncated || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return "the server hung up during the TLS handshake: it may not serve TLS on this port, or "
           "it refused the server name " +
           target.host + " (SNI)";
  }
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER) {
    return target.display +
           " does not speak TLS (it answered in plain text): use ws:// for this port, or the "
           "port where TLS is served";
  }
  return "the TLS handshake with " + target.display + " failed: " + ec.message();
}

using TlsWebSocket = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

bool tls_handshake(asio::io_context& ioc, TlsWebSocket& ws, const Target& target,
                   const DoctorOptions& options, Report& out, int& status) {
  auto& stream = ws.next_layer();
  SSL* native = stream.native_handle();
  // SNI carries names only (RFC 6066); the certificate must match the name or the IP address.
  if (!target.host_is_ip) SSL_set_tlsext_host_name(native, target.host.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(native);
  if (target.host_is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, target.host.c_str(), target.host.size());
  }
  CertificateFacts facts;
  stream.set_verify_callback([&facts](bool preverified, ssl::verify_context& context) {
    X509_STORE_CTX* store = context.native_handle();
    if (facts.subject.empty()) {
      if (X509* leaf = X509_STORE_CTX_get0_cert(store)) read_certificate(leaf, facts);
    }
    if (!preverified && facts.error == X509_V_OK) facts.error = X509_STORE_CTX_get_error(store);
    return preverified;
  });

  auto start = Clock::now();
  beast::get_lowest_layer(ws).expires_after(options.timeout);
  auto ec = run_until_complete(
      ioc, [&](auto done) { stream.async_handshake(ssl::stream_base::client, std::move(done)); });
  long verify_result = SSL_get_verify_result(native);
  if (verify_result == X509_V_OK) verify_result = facts.error;

  if (ec) {
    if (verify_result != X509_V_OK && !options.insecure) {
      out.fail("tls",
               std::string("certificate refused: ") + X509_verify_cert_error_string(verify_result));
      out.detail("cert", facts.describe());
      status = out.verdict(false, certificate_verdict(verify_result, target, facts));
    } else {
      out.fail("tls", ec.message());
      status = out.verdict(false, tls_failure_verdict(ec, target, options.timeout));
    }
    return false;
  }

  std::string session = std::string(SSL_get_version(native)) + " " +
                        SSL_CIPHER_get_name(SSL_get_current_cipher(native)) + " in " +
                        elapsed_since(start);
  if (options.insecure) {
    out.warn("tls", session +
                        ", certificate NOT verified (--insecure): anyone on the path "
                        "could pose as this gateway; never do this in production");
    out.detail("cert", facts.describe());
    if (verify_result != X509_V_OK) {
      out.detail("cert", std::string("verification would have failed: ") +
                             X509_verify_cert_error_string(verify_result));
    }
  } else {
    out.ok("tls", session + ", certificate verified for " + target.host);
    out.detail("cert", facts.describe());
  }
  return true;
}

std::string status_line(const websocket::response_type& response) {
  std::string reason(response.reason());
  if (reason.empty()) reason = std::string(http::obsolete_reason(response.result()));
  return std::to_string(response.result_int()) + " " + printable(reason);
}

// "1008 "Unauthorized: invalid token"" for a received close frame.
std::string close_text(const websocket::close_reason& reason) {
  std::string text = std::to_string(reason.code);
  if (!reason.reason.empty()) {
    text += " " + quoted(printable(std::string_view(reason.reason.data(), reason.reason.size())));
  }
  return text;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Explains a refused upgrade (any status but 101): what the server said and what to change.
int explain_refusal(const websocket::response_type& response, const Target& target,
                    const DoctorOptions& options, Report& out) {
  out.fail("http", status_line(response));
  if (auto server = response[http::field::server]; !server.empty()) {
    out.detail("server", printable(server));
  }
  const std::string& body = response.body();
  auto lines = body_lines(body);
  for (const auto& line : lines) out.detail("body", line);
  if (lines.empty()) out.detail("body", "(empty)");

  std::string first_line = lines.empty() ? std::string() : lines.front();
  switch (response.result()) {
    case http::status::forbidden:
      if (lines.empty()) {
        return out.verdict(
            false,
            "the server gave a bare 403 without a word of explanation. voxgate always "
            "says why in the body, so this refusal comes from something else: a proxy, CDN "
            "or firewall in front of the gateway, or a server that is not voxgate (the "
            "seed incident's backend answered exactly like this). Check what really "
            "answers at " +
                target.display);
      }
      if (!options.origin.empty() && contains(body, "not allowed")) {
        return out.verdict(false, "the gateway refuses origin " + options.origin +
                                      ". Fix: add it to FRONTEND_URL, CORS_ORIGIN or "
                                      "[origins].allow on the gateway, then send SIGHUP (no "
                                      "restart needed).");
      }
      if (options.origin.empty()) {
        return out.verdict(false,
                           "the server refuses an upgrade without an Origin header (on "
                           "voxgate: [origins] allow_missing = false). Browsers always "
                           "send one: rerun with --origin <the web page's origin>. "
                           "Server's reason: " +
                               first_line);
      }
      return out.verdict(false, "the server refuses the upgrade: " + first_line);
    case http::status::not_found:
      return out.verdict(false, "nothing answers WebSocket upgrades at " + target.path +
                                    " on this server. voxgate's paths are /ws/live-calls and "
                                    "/api/web-voice/<trackingId>: check the path in the URL (and "
                                    "any proxy's routing)");
    case http::status::moved_permanently:
    case http::status::found:
    case http::status::see_other:
    case http::status::temporary_redirect:
    case http::status::permanent_redirect:
      return out.verdict(false, "the server redirects to " +
                                    printable(response[http::field::location]) +
                                    "; WebSocket clients never follow redirects, so point the "
                                    "client at that address (as ws:// or wss://)");
    case http::status::ok:
      return out.verdict(false,
                         "the server answered with a plain page: the upgrade never reached "
                         "a WebSocket handler. A proxy in front may drop the Upgrade and "
                         "Connection headers (nginx: proxy_http_version 1.1; "
                         "proxy_set_header Upgrade $http_upgrade; proxy_set_header "
                         "Connection \"upgrade\"), or the URL points at a website");
    case http::status::bad_request:
      return out.verdict(false,
                         "the server found the upgrade request malformed (see the body); "
                         "a proxy in between may have altered it");
    case http::status::unauthorized:
      return out.verdict(false,
                         "the server wants HTTP authentication before the upgrade; voxgate "
                         "authenticates in the first WebSocket message instead, so this "
                         "answer comes from a proxy or from another server");
    case http::status::upgrade_required:
      return out.verdict(false, "the server wants another WebSocket version (it offers " +
                                    printable(response[http::field::sec_websocket_version]) +
                                    "; doctor speaks 13, as browsers do)");
    case http::status::too_many_requests:
      return out.verdict(false,
                         "the server limits connections or request rate and refused this "
                         "one; retry later or raise the limit");
    case http::status::bad_gateway:
    case http::status::gateway_timeout:
      return out.verdict(false,
                         "a proxy in front of the gateway answered: it could not reach the "
                         "gateway behind it (down, restarting, or a wrong upstream "
                         "address or port)");
    case http::status::service_unavailable:
      return out.verdict(false,
                         "the gateway (or a proxy) is unavailable: overloaded, at its "
                         "connection limit, shutting down, or not started yet");
    default:
      if (response.result_int() >= 500) {
        return out.verdict(false, "the server failed on the upgrade (" + status_line(response) +
                                      "); its logs say why");
      }
      return out.verdict(false, "the server answered " + status_line(response) +
                                    " instead of 101 Switching Protocols: it did not accept the "
                                    "WebSocket upgrade");
  }
}

// A 101 that a browser would still drop: say which header is wrong.
int explain_bad_101(const beast::error_code& ec, const websocket::response_type& response,
                    const std::string& key, Report& out) {
  out.ok("http", status_line(response));
  if (ec == websocket::error::bad_sec_accept || ec == websocket::error::no_sec_accept) {
    out.fail("handshake", "Sec-WebSocket-Accept is " +
                              quoted(printable(response[http::field::sec_websocket_accept])) +
                              ", expected " + quoted(expected_accept(key)));
    return out.verdict(false,
                       "the server agreed to upgrade but did not prove it read our "
                       "Sec-WebSocket-Key: it is not a conforming WebSocket server, or a "
                       "proxy rewrote the handshake. Browsers drop such connections "
                       "(they show 1006)");
  }
  if (ec == websocket::error::bad_http_version) {
    out.fail("handshake", "101 over HTTP/1.0");
    return out.verdict(false,
                       "WebSocket needs HTTP/1.1; a proxy in between speaks HTTP/1.0 to "
                       "the client (nginx: proxy_http_version 1.1)");
  }
  out.fail("handshake",
           ec.message() + " (Upgrade: " + quoted(printable(response[http::field::upgrade])) +
               ", Connection: " + quoted(printable(response[http::field::connection])) + ")");
  return out.verdict(false,
                     "the 101 lacks Upgrade: websocket or Connection: upgrade, so "
                     "browsers drop it (1006): a proxy in between strips hop-by-hop "
                     "headers; let it pass them (nginx: proxy_set_header Upgrade "
                     "$http_upgrade; proxy_set_header Connection \"upgrade\")");
}

// An error before any HTTP answer was parsed.
int explain_no_answer(const beast::error_code& ec, const Target& target, Millis timeout,
                      Report& out) {
  if (ec == beast::error::timeout) {
    out.fail("http", "no answer to the upgrade request within " + seconds(timeout));
    return out.verdict(false,
                       "the connection opened but nothing answered: the port may belong to "
                       "a service that is not HTTP (or serves TLS: try wss://), or the "
                       "server is stuck");
  }
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == ssl::error::stream_truncated) {
    out.fail("http", "the server closed the connection without an answer (" + ec.message() + ")");
    return out.verdict(false,
                       "the server hung up on the upgrade request: a proxy or load "
                       "balancer that does not pass WebSocket upgrades, a service that is "
                       "not HTTP, or a TLS port (try wss://)");
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    out.fail("http", "the answer is not HTTP (" + ec.message() + ")");
    return out.verdict(false,
                       target.display + " does not speak HTTP; if it serves TLS, use wss://");
  }
  out.fail("http", ec.message());
  return out.verdict(false,
                     "the upgrade request to " + target.display + " failed: " + ec.message());
}

// Sends a subscribe and shows the first reply; returns what the verdict should add, if anything.
template <class WebSocket>
std::string try_subscribe(asio::io_context& ioc, WebSocket& ws, const DoctorOptions& options,
                          Report& out) {
  auto& stream = beast::get_lowest_layer(ws);
  std::string message =
      json::serialize(json::object{{"type", "subscribe"}, {"token", options.token}});
  ws.text(true);
  stream.expires_after(options.timeout);
  auto ec = run_until_complete(
      ioc, [&](auto done) { ws.async_write(asio::buffer(message), std::move(done)); });
  if (ec) {
    out.fail("subscribe", "could not send: " + ec.message());
    return "the subscribe could not be sent: " + ec.message();
  }

  beast::flat_buffer buffer;
  stream.expires_after(options.timeout);
  ec = run_until_complete(ioc, [&](auto done) { ws.async_read(buffer, std::move(done)); });
  if (ec == websocket::error::closed) {
    auto reason = ws.reason();
    std::string text = "closed by the server: " + close_text(reason);
    out.fail("subscribe", text);
    if (reason.code == websocket::close_code::policy_error) {
      return "the subscribe was refused (" + text +
             "): check the token (signed with the gateway's SUPABASE_JWT_SECRET or [auth] key, "
             "not expired)";
    }
    return "the subscribe failed: " + text;
  }
  if (ec == beast::error::timeout) {
    out.fail("subscribe", "no reply within " + seconds(options.timeout));
    return "the subscribe got no reply: the server does not serve live calls at this path, or "
           "it stalls";
  }
  if (ec) {
    out.fail("subscribe", ec.message());
    return "the subscribe failed: " + ec.message();
  }

  std::string reply = beast::buffers_to_string(buffer.data());
  std::string type;
  beast::error_code parse_error;
  json::value parsed = json::parse(reply, parse_error);
  if (!parse_error && parsed.is_object()) {
    if (auto* field = parsed.as_object().if_contains("type"); field && field->is_string()) {
      type = field->as_string().c_str();
    }
  }
  if (type == "subscribed") {
    out.ok("subscribe", printable(reply));
    return {};
  }
  if (type == "error") {
    out.fail("subscribe", printable(reply));
    return "the subscribe was answered with an error: " + printable(reply, 200);
  }
  out.warn("subscribe", "unexpected first reply: " + printable(reply));
  return "the first reply to subscribe was not {\"type\":\"subscribed\"}";
}

template <class WebSocket>
void close_cleanly(asio::io_context& ioc, WebSocket& ws, Millis timeout, Report& out) {
  if (!ws.is_open()) {
    out.skip("close", "the connection is already closed");
    return;
  }
  beast::get_lowest_layer(ws).expires_after(timeout);
  auto ec = run_until_complete(
      ioc, [&](auto done) { ws.async_close(websocket::close_code::normal, std::move(done)); });
  auto reason = ws.reason();
  std::string answer =
      reason.code == websocket::close_code::none ? "no close frame back" : close_text(reason);
  if (!ec) {
    out.ok("close", "sent 1000, server answered " + answer);
  } else {
    out.warn("close", "sent 1000; " + answer + " (" + ec.message() + ")");
  }
}

template <class WebSocket>
int upgrade(asio::io_context& ioc, WebSocket& ws, const Target& target,
            const DoctorOptions& options, Report& out) {
  std::string key;
  ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& request) {
    request.set(http::field::user_agent, kUserAgent);
    if (!options.origin.empty()) request.set(http::field::origin, options.origin);
    key = std::string(request[http::field::sec_websocket_key]);
  }));

  websocket::response_type response;
  auto start = Clock::now();
  beast::get_lowest_layer(ws).expires_after(options.timeout);
  auto ec = run_until_complete(ioc, [&](auto done) {
    ws.async_handshake(response, target.host_header, target.path, std::move(done));
  });
  if (ec && ec != websocket::condition::handshake_failed) {
    return explain_no_answer(ec, target, options.timeout, out);
  }
  if (response.result() != http::status::switching_protocols) {
    return explain_refusal(response, target, options, out);
  }
  if (ec) return explain_bad_101(ec, response, key, out);

  out.ok("http", status_line(response) + " in " + elapsed_since(start));
  out.ok("handshake", "accepted, Sec-WebSocket-Accept matches our key");

  std::string subscribe_note;
  if (!options.token.empty()) {
    if (target.path.starts_with("/ws/live-calls")) {
      subscribe_note = try_subscribe(ioc, ws, options, out);
    } else {
      out.skip("subscribe", "--token applies to /ws/live-calls URLs only");
    }
  }
  close_cleanly(ioc, ws, options.timeout, out);

  std::string verdict =
      "OK: " + target.display + " accepts WebSocket upgrades on " + target.path +
      (options.origin.empty() ? " without an Origin header" : " from origin " + options.origin);
  if (!subscribe_note.empty()) verdict += "; but " + subscribe_note;
  return out.verdict(true, verdict);
}

}  // namespace

int doctor(const DoctorOptions& options) {
  Report out;
  int status = 1;
  auto target = parse_target(options.url, out, status);
  if (!target) return status;

  asio::io_context ioc;
  auto endpoints = resolve(ioc, *target, options.timeout, out, status);
  if (!endpoints) return status;

  if (!target->tls) {
    websocket::stream<beast::tcp_stream> ws(ioc);
    if (!connect(ioc, ws.next_layer(), *endpoints, *target, options.timeout, out, status)) {
      return status;
    }
    out.skip("tls", "plain ws://");
    return upgrade(ioc, ws, *target, options, out);
  }

  // Trust is loaded even with --insecure, to report what verification would have said.
  ssl::context context = make_tls_context(options);
  if (!load_trust(context, options, out, status)) return status;
  TlsWebSocket ws(ioc, context);
  if (!connect(ioc, beast::get_lowest_layer(ws), *endpoints, *target, options.timeout, out,
               status)) {
    return status;
  }
  if (!tls_handshake(ioc, ws, *target, options, out, status)) return status;
  return upgrade(ioc, ws, *target, options, out);
}

}  // namespace voxgate::cli
