#pragma once
// Vapi server messages as live events (protocol section 4 -> section 2), and the key that
// recognises a repeated delivery of the same message.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vapi/webhook_message.hpp"

namespace voxgate {

// The live `call_status` for a Vapi call status; nullopt for statuses a dashboard has no use for
// (scheduled, not-found, deletion-failed, anything new).
std::optional<std::string_view> live_call_status(std::string_view vapi_status);

// The events a message publishes, in order, as section 2 shapes them without `id` and `orgId`
// (the event log adds both). Empty for types that are answered 200 and not broadcast.
// `now_ms` stands in for a transcript's missing message.timestamp.
std::vector<boost::json::object> live_events(const WebhookMessage& message, std::int64_t now_ms);

// Equal for two deliveries of the same message, different for different messages: 64 hex chars.
std::string delivery_key(const WebhookMessage& message);

}  // namespace voxgate
