#include "net/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>

namespace voxgate::ws {
namespace {
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A key is the base64 of 16 bytes: 22 characters and "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
  return true;
}
}  // namespace

std::optional<HandshakeRefusal> check_upgrade(const HttpRequest& req) {
  std::string version(req[http::field::sec_websocket_version]);
  if (version != "13")
    return HandshakeRefusal{http::status::upgrade_required,
                            "WebSocket version " + (version.empty() ? "(none)" : version) +
                                " is not supported; use Sec-WebSocket-Version: 13",
                            true};
  if (!valid_key(req[http::field::sec_websocket_key]))
    return HandshakeRefusal{http::status::bad_request,
                            "Sec-WebSocket-Key must be the base64 encoding of 16 bytes", false};
  return std::nullopt;
}

std::string accept_key(std::string_view client_key) {
  std::string text(client_key);
  text.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, sizeof digest);
}

std::string switching_protocols_response(std::string_view client_key) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Server: voxgate\r\n"
      "Sec-WebSocket-Accept: ";
  out += accept_key(client_key);
  out += "\r\n\r\n";
  return out;
}

}  // namespace voxgate::ws
