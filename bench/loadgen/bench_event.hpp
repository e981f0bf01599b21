#pragma once
// The benchmark's events on the wire. Each is a transcript line whose text starts with its
// sequence number and publish time, so a receiver accounts for it without any lookup; the org
// follows from the sequence number (seq % orgs).

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

std::string org_name(std::uint32_t org);

// Appends one {"orgId":…,"event":{…}} envelope of POST /api/events to `body`.
void append_bench_event(std::string& body, std::uint64_t seq, std::uint32_t orgs,
                        std::int64_t sent_ns, std::int64_t unix_ms);

struct EventStamp {
  std::uint64_t seq = 0;
  std::int64_t sent_ns = 0;
};

// Finds the stamp in a delivered event; false for any other message.
bool read_bench_stamp(std::string_view delivered, EventStamp& out);

}  // namespace loadgen
