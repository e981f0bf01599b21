#pragma once
// The server's TLS context, from the certificate chain and key named in the config.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace voxgate {

// Returns null and sets `error` (naming the file and the fix) when the files do not load.
std::unique_ptr<boost::asio::ssl::context> make_server_tls(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           std::string& error);

}  // namespace voxgate
