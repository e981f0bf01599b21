#pragma once
// Vapi's call creation as text: the body voxgate sends to POST /call (protocol section 5
// item 1) and what its answer means for the start request. No I/O here.

#include <string>
#include <string_view>

#include "bridge/voice_provider.hpp"
#include "config/config.hpp"

namespace voxgate {

// Provider text quoted in an error is cut here (bytes, on a UTF-8 boundary).
inline constexpr std::size_t kProviderMessageLimit = 500;

// {"assistantId","transport":{vapi.websocket, pcm_s16le raw 16000},"assistantOverrides":
// {"metadata":{"orgId","userId","trackingId"}}}; no assistantId when the request has none.
std::string vapi_call_body(const ProviderCallRequest& request);

// The request target of POST {base_url}/call: the base URL's path without a trailing slash,
// then "/call", then the base URL's query if any.
std::string vapi_call_target(std::string_view base_target);

// Vapi's answer to POST /call: 2xx with `id` and `transport.websocketCallUrl` is a call;
// anything else is a 502 whose text carries the status and Vapi's own message.
CreateCallResult parse_vapi_call_response(unsigned status, std::string_view body);

// "Vapi did not answer within 30 s" (the 504 text).
std::string vapi_timeout_message(Millis timeout);

// Provider-controlled text made safe to quote: one line, no control bytes, at most `limit`
// bytes (cut on a UTF-8 boundary, "..." marks the cut).
std::string provider_text(std::string_view text, std::size_t limit = kProviderMessageLimit);

// "30 s", "0.3 s".
std::string seconds_text(Millis duration);

// `text` with every occurrence of `secret` replaced by "[redacted]": a provider may quote the
// API key back, and the key must never reach a log or a browser.
std::string without_secret(std::string text, std::string_view secret);

}  // namespace voxgate
