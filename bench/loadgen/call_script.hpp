#pragma once
// The server messages of one call, in the order Vapi sends them: status-update ringing, then
// in-progress, then for each line of the conversation (the assistant and the customer in turn)
// `partials` partial transcripts and the final one, then the end-of-call-report.

#include <cstdint>
#include <string>

#include "vapi_payloads.hpp"

namespace loadgen {

enum class MessageKind : std::uint8_t { status, transcript, report };

struct CallScript {
  int utterances = 8;
  int partials = 2;  // per line, before its final transcript

  int length() const { return 3 + utterances * (partials + 1); }
  MessageKind kind_at(int index) const;
  // Appends message `index` (0 ≤ index < length()) of `call`, stamped ts_ms.
  void append(std::string& body, const BenchCall& call, int index, std::int64_t ts_ms) const;
};

// Live events voxgate makes of a stored message of this kind (docs/webhooks.md, "What a message
// becomes"): one call_status or transcript; call_ended plus recording_ready for the report.
int live_events_of(MessageKind kind);

const char* kind_name(MessageKind kind);

}  // namespace loadgen
