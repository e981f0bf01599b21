#pragma once
// The bytes one gateway node sends the others through the broker: a node id and a run of
// committed events. Little-endian, length-prefixed, versioned by its magic:
//   "VXB1" | u32 len, node id | u32 count | count x (u32 len, org | u32 len, user | u64 seq |
//   u32 len, payload)
// The bytes arrive from the network, so decoding trusts no length it has not checked.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "live/live_hub.hpp"

namespace voxgate {

inline constexpr std::string_view kBrokerMagic = "VXB1";
// More events than this in one message is refused as hostile, whatever the byte limit.
inline constexpr std::size_t kMaxBrokerEvents = 1 << 20;
// NATS's default max_payload, used while the server has not told its own.
inline constexpr std::size_t kDefaultBrokerMessageBytes = 1 << 20;

struct BrokerMessage {
  std::string node_id;
  std::vector<Delivery> events;
};

// One message with all `events`. Events come from the store: org ids are never empty and seq
// starts at 1 (the decoder refuses anything else). Throws std::length_error when a field does
// not fit a u32 length.
std::string encode_broker_message(std::string_view node_id, std::span<const Delivery> events);

// `events` split, in order, into messages of at most `max_bytes` each. An event that cannot fit
// a message on its own is skipped and counted in `oversized`: the other nodes catch it up from
// the store when they notice the gap.
std::vector<std::string> encode_broker_messages(std::string_view node_id,
                                                std::span<const Delivery> events,
                                                std::size_t max_bytes, std::size_t& oversized);

// The message in `bytes`, or nullopt with `error` saying what is wrong and at which byte.
std::optional<BrokerMessage> decode_broker_message(std::string_view bytes, std::string& error);

}  // namespace voxgate
