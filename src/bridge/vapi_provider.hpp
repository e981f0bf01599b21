#pragma once
// Vapi as the voice provider of browser test calls (protocol section 5): POST {base_url}/call
// over verified TLS, then the call's vapi.websocket audio socket.

#include <memory>

#include "bridge/voice_provider.hpp"
#include "config/config.hpp"

namespace voxgate {

// Copies what it needs from `config` (api_key, base_url, assistant_id, the two timeouts).
// A base_url that breaks the transport rule (https, or http only to loopback) makes every
// create_call answer 502 naming the fix; check it at startup with parse_provider_url.
// create_call: from any thread; its I/O runs on a strand of the given executor.
// connect: the executor must be one thread or a strand (a worker's executor), and the
// returned Upstream is used there only. Dropping the Upstream closes it as close() does.
std::unique_ptr<VoiceProvider> make_vapi_provider(const VapiConfig& config);

}  // namespace voxgate
