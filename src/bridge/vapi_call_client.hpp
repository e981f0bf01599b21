#pragma once
// One POST {base_url}/call to Vapi over its own connection, with the connect and request
// deadlines of ProviderAccess.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "bridge/provider_transport.hpp"
#include "bridge/provider_url.hpp"
#include "bridge/voice_provider.hpp"

namespace voxgate {

// Vapi's answer to POST /call is a call object of a few kB; more is not Vapi.
inline constexpr std::size_t kVapiResponseLimit = 1024 * 1024;

// Sends `body` to the base URL's /call. The I/O runs on a strand of `executor`; `done` runs
// on `executor` exactly once, never inside this call. Error texts never hold the API key.
void start_vapi_call(std::shared_ptr<const ProviderAccess> access, const ProviderUrl& base,
                     std::string body, boost::asio::any_io_executor executor,
                     std::function<void(CreateCallResult)> done);

}  // namespace voxgate
