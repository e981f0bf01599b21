#pragma once
// Vapi server messages as Vapi posts them to an assistant's Server URL ({"message":{…}}, compact
// JSON), shaped and sized after tests/fixtures/vapi/*.json: an inbound phone call whose org is
// in call.assistantOverrides.metadata.orgId, with the telephony credentials Vapi includes.

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

struct BenchCall {
  std::string id;               // format_call_id
  std::uint32_t org = 0;        // org_name(org) in the metadata
  std::uint64_t number = 0;     // picks the customer's number, the lines, the ended reason
  std::int64_t created_ms = 0;  // call.createdAt
  std::int64_t started_ms = 0;  // startedAt of the end-of-call report
};

// status-update with `status` ("ringing", "in-progress"): the full call, phoneNumber and
// assistant objects, as in status-update-ringing-phone.json.
void append_status_update(std::string& body, const BenchCall& call, std::string_view status,
                          std::int64_t ts_ms);

// transcript of one line (or the part heard so far), as in transcript-partial-user.json.
void append_transcript(std::string& body, const BenchCall& call, bool assistant, bool final,
                       std::string_view text, std::int64_t ts_ms);

// end-of-call-report with the call's `utterances` final lines as artifact messages (plus the
// system prompt and one tool call), the recording URLs and an analysis, as in
// end-of-call-report.json.
void append_end_of_call_report(std::string& body, const BenchCall& call, int utterances,
                               std::int64_t ts_ms);

// Line u of a call's conversation: even u the assistant's, odd u the customer's.
std::string_view utterance(std::uint64_t call_number, int u);

// The first part of `line` heard by partial transcript k of `parts` (k < parts): whole words,
// more of them for each k.
std::string_view partial_of(std::string_view line, int k, int parts);

}  // namespace loadgen
