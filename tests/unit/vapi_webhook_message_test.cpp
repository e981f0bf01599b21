// Parsing Vapi server messages (protocol section 4) from the fixtures in tests/fixtures/vapi/.
#include <gtest/gtest.h>

#include "vapi/time_values.hpp"
#include "vapi/webhook_message.hpp"
#include "vapi_fixtures.hpp"

namespace voxgate {
namespace {

using test::vapi_fixture;

WebhookMessage parsed(const std::string& body) {
  auto result = parse_webhook_message(body);
  if (auto* error = std::get_if<WebhookParseError>(&result)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<WebhookMessage>(std::move(result));
}

struct ParseCase {
  const char* name;
  const char* file;
  VapiMessageKind kind;
  const char* call_id;
  std::int64_t timestamp_ms;
  const char* org_hint_source;  // "" when the message carries none
  const char* org_id;
  const char* assistant_id;
  const char* customer_number;
  const char* call_type;
};

class VapiParseFixture : public ::testing::TestWithParam<ParseCase> {};

TEST_P(VapiParseFixture, ReadsRoutingFields) {
  const auto& c = GetParam();
  const auto m = parsed(vapi_fixture(c.file));
  EXPECT_EQ(m.kind, c.kind);
  EXPECT_EQ(m.call_id, c.call_id);
  EXPECT_EQ(m.timestamp_ms, c.timestamp_ms);
  if (std::string_view(c.org_hint_source).empty()) {
    EXPECT_TRUE(m.org_hints.empty());
  } else {
    ASSERT_EQ(m.org_hints.size(), 1u);
    EXPECT_EQ(m.org_hints[0].source, c.org_hint_source);
    EXPECT_EQ(m.org_hints[0].org_id, c.org_id);
  }
  EXPECT_EQ(m.assistant_id, c.assistant_id);
  EXPECT_EQ(m.customer_number, c.customer_number);
  EXPECT_EQ(m.call_type, c.call_type);
}

constexpr const char* kAcme = "5b0a4a08-133c-4146-9315-0984f8c6be80";
constexpr const char* kBright = "a71c2f9e-0b4d-4a6e-93f8-5d1c7e2b8a40";
constexpr const char* kHarbor = "0c6b3e8d-2f1a-4d7c-b5e9-8a3f1d6c2e70";
constexpr const char* kPhoneCall = "b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b";
constexpr const char* kWebCall = "3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104";
constexpr const char* kOverridesOrg = "call.assistantOverrides.metadata.orgId";

INSTANTIATE_TEST_SUITE_P(
    Vapi, VapiParseFixture,
    ::testing::Values(
        ParseCase{"ringing_phone", "status-update-ringing-phone.json",
                  VapiMessageKind::status_update, kPhoneCall, 1749722400000, kOverridesOrg,
                  "org-acme-dental", kAcme, "+14155550123", "inboundPhoneCall"},
        ParseCase{"in_progress_web", "status-update-in-progress-web.json",
                  VapiMessageKind::status_update, kWebCall, 1749722465250, "call.metadata.orgId",
                  "org-brightsmile", kBright, "", "webCall"},
        ParseCase{"ended_phone", "status-update-ended-phone.json", VapiMessageKind::status_update,
                  "c2e7a9f1-5d3b-4e8a-9c1f-7b2d4e6a8c03", 1749722597480, "call.metadata.org_id",
                  "org-harbor-vet", kHarbor, "+442071838750", "outboundPhoneCall"},
        ParseCase{"queued_websocket_assistant_only", "status-update-queued-websocket.json",
                  VapiMessageKind::status_update, "e51b7d09-2f6c-4a83-9d1e-6b0c4f8a2d35",
                  1749722700031, "", "", kAcme, "", "vapi.websocketCall"},
        ParseCase{"transcript_partial", "transcript-partial-user.json", VapiMessageKind::transcript,
                  kPhoneCall, 1749722412345, kOverridesOrg, "org-acme-dental", kAcme,
                  "+14155550123", "inboundPhoneCall"},
        ParseCase{"transcript_final", "transcript-final-assistant.json",
                  VapiMessageKind::transcript, kWebCall, 1749722470901, "call.metadata.orgId",
                  "org-brightsmile", kBright, "", "webCall"},
        ParseCase{"transcript_finals_only", "transcript-final-only-subscription.json",
                  VapiMessageKind::transcript, kWebCall, 1749722478120, "call.metadata.orgId",
                  "org-brightsmile", kBright, "", "webCall"},
        ParseCase{"end_report", "end-of-call-report.json", VapiMessageKind::end_of_call_report,
                  kPhoneCall, 1749722603912, kOverridesOrg, "org-acme-dental", kAcme,
                  "+14155550123", "inboundPhoneCall"},
        ParseCase{"end_report_no_recording", "end-of-call-report-no-recording.json",
                  VapiMessageKind::end_of_call_report, kWebCall, 1749722571330,
                  "call.metadata.orgId", "org-brightsmile", kBright, "", "webCall"},
        ParseCase{"end_report_legacy", "end-of-call-report-legacy.json",
                  VapiMessageKind::end_of_call_report, "f06a7a3e-8d52-4c1b-9e07-3b6d2a9c5e18",
                  1728400713000, "call.assistantOverrides.metadata.org_id", "org-harbor-vet",
                  kHarbor, "+442071838750", "outboundPhoneCall"},
        ParseCase{"speech_update", "speech-update.json", VapiMessageKind::other, kPhoneCall,
                  1749722406020, kOverridesOrg, "org-acme-dental", kAcme, "", "inboundPhoneCall"},
        ParseCase{"conversation_update", "conversation-update.json", VapiMessageKind::other,
                  kPhoneCall, 1749722413950, kOverridesOrg, "org-acme-dental", kAcme, "",
                  "inboundPhoneCall"},
        ParseCase{"hang", "hang.json", VapiMessageKind::other, kWebCall, 1749722480200,
                  "call.metadata.orgId", "org-brightsmile", kBright, "", "webCall"},
        ParseCase{"tool_calls", "tool-calls.json", VapiMessageKind::other, kPhoneCall,
                  1749722414500, kOverridesOrg, "org-acme-dental", kAcme, "", "inboundPhoneCall"},
        ParseCase{"assistant_request", "assistant-request.json", VapiMessageKind::other,
                  "d7a3f5c1-9e2b-4b6d-8f0a-3c5e7a9b1d24", 1749722398100, "", "", "", "+15125550187",
                  "inboundPhoneCall"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(VapiParse, OrgHintsKeepTheProtocolsOrder) {
  const auto m = parsed(R"({"message":{"type":"hang","call":{"id":"c",
      "metadata":{"org_id":"d","orgId":"c"},
      "assistantOverrides":{"metadata":{"org_id":"b","orgId":"a"}}}}})");
  ASSERT_EQ(m.org_hints.size(), 4u);
  EXPECT_EQ(m.org_hints[0].org_id, "a");
  EXPECT_EQ(m.org_hints[1].org_id, "b");
  EXPECT_EQ(m.org_hints[2].org_id, "c");
  EXPECT_EQ(m.org_hints[3].org_id, "d");
  EXPECT_EQ(m.org_hints[3].source, "call.metadata.org_id");
}

TEST(VapiParse, StatusUpdateFields) {
  const auto ringing = parsed(vapi_fixture("status-update-ringing-phone.json"));
  EXPECT_EQ(ringing.type, "status-update");
  EXPECT_EQ(ringing.status, "ringing");
  EXPECT_EQ(ringing.ended_reason, "");
  const auto ended = parsed(vapi_fixture("status-update-ended-phone.json"));
  EXPECT_EQ(ended.status, "ended");
  EXPECT_EQ(ended.ended_reason, "customer-ended-call");
}

TEST(VapiParse, TranscriptFields) {
  const auto partial = parsed(vapi_fixture("transcript-partial-user.json"));
  EXPECT_EQ(partial.role, "user");
  EXPECT_EQ(partial.transcript_type, "partial");
  EXPECT_EQ(partial.text, "I'd like to book a cleaning for");
  const auto final_line = parsed(vapi_fixture("transcript-final-assistant.json"));
  EXPECT_EQ(final_line.role, "assistant");
  EXPECT_EQ(final_line.transcript_type, "final");
  EXPECT_EQ(final_line.text, "Sure, which day works best for you?");
  const auto finals_only = parsed(vapi_fixture("transcript-final-only-subscription.json"));
  EXPECT_EQ(finals_only.type, R"(transcript[transcriptType="final"])");
  EXPECT_EQ(finals_only.transcript_type, "final");
  // A finals-only subscription may leave transcriptType out.
  const auto implied = parsed(
      R"({"message":{"type":"transcript[transcriptType=\"final\"]","role":"user","transcript":"ok","call":{"id":"c"}}})");
  EXPECT_EQ(implied.transcript_type, "final");
}

TEST(VapiParse, EndOfCallReportFields) {
  const auto m = parsed(vapi_fixture("end-of-call-report.json"));
  EXPECT_EQ(m.ended_reason, "customer-ended-call");
  EXPECT_EQ(m.started_at, "2025-06-12T10:00:05.120Z");
  EXPECT_EQ(m.ended_at, "2025-06-12T10:03:17.480Z");
  EXPECT_EQ(m.duration_seconds, 192) << "192.36 s rounds to 192";
  EXPECT_EQ(m.recording_url,
            "https://storage.vapi.ai/"
            "b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b-1749722600000-mono.wav");
  EXPECT_EQ(m.summary, "The caller booked a teeth cleaning for Thursday at 2 PM.");
  // The system prompt, the tool call and its result are not speech.
  ASSERT_EQ(m.final_transcript.size(), 5u);
  const std::vector<std::pair<std::string, std::string>> lines{
      {"agent", "Thanks for calling Acme Dental, this is Riley. How can I help?"},
      {"customer", "I'd like to book a cleaning for next week."},
      {"agent", "I have Thursday at two or three thirty. Which would you prefer?"},
      {"customer", "Two o'clock, please."},
      {"agent", "You're booked for Thursday at 2 PM. See you then!"}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(m.final_transcript[i].speaker, lines[i].first) << i;
    EXPECT_EQ(m.final_transcript[i].text, lines[i].second) << i;
  }
  EXPECT_EQ(m.final_transcript[0].time_ms, 1749722406020);
  EXPECT_DOUBLE_EQ(m.final_transcript[0].seconds_from_start.value_or(-1), 0.9);
  EXPECT_EQ(m.final_transcript[3].time_ms, 1749722419900);
  EXPECT_DOUBLE_EQ(m.final_transcript[3].seconds_from_start.value_or(-1), 14.78);
}

TEST(VapiParse, EndOfCallReportWithoutRecording) {
  const auto m = parsed(vapi_fixture("end-of-call-report-no-recording.json"));
  EXPECT_EQ(m.ended_reason, "assistant-ended-call");
  EXPECT_EQ(m.duration_seconds, 102) << "101.75 s rounds to 102";
  EXPECT_EQ(m.recording_url, "");
  EXPECT_EQ(m.summary, "The caller asked for a Thursday afternoon slot and was offered 3:30 PM.");
  ASSERT_EQ(m.final_transcript.size(), 2u);
  EXPECT_EQ(m.final_transcript[1].speaker, "customer");
  EXPECT_EQ(m.final_transcript[1].time_ms, 1749722475500);
}

TEST(VapiParse, EndOfCallReportLegacyShape) {
  const auto m = parsed(vapi_fixture("end-of-call-report-legacy.json"));
  EXPECT_EQ(m.recording_url,
            "https://auth.vapi.ai/storage/v1/object/public/recordings/"
            "f06a7a3e-8d52-4c1b-9e07-3b6d2a9c5e18-1728400712000-mono.wav");
  EXPECT_EQ(m.summary, "The caller did not respond after the greeting.");
  EXPECT_EQ(m.started_at, "2024-10-08T15:17:48.310Z");
  EXPECT_EQ(m.ended_at, "");
  EXPECT_FALSE(m.duration_seconds) << "no endedAt: the legacy durationSeconds is not trusted";
  EXPECT_TRUE(m.final_transcript.empty());
}

TEST(VapiParse, DurationNeedsTwoParseableTimesInOrder) {
  auto report = [](const std::string& started, const std::string& ended) {
    return parsed(R"({"message":{"type":"end-of-call-report","call":{"id":"c"},"startedAt":")" +
                  started + R"(","endedAt":")" + ended + R"("}})");
  };
  EXPECT_EQ(report("2025-06-12T10:00:00Z", "2025-06-12T10:00:42.499Z").duration_seconds, 42);
  EXPECT_EQ(report("2025-06-12T10:00:00Z", "2025-06-12T12:00:00+02:00").duration_seconds, 0);
  EXPECT_FALSE(report("yesterday", "2025-06-12T10:00:42Z").duration_seconds);
  EXPECT_FALSE(report("2025-06-12T10:00:42Z", "2025-06-12T10:00:00Z").duration_seconds);
  // Falls back to the call object's times.
  const auto from_call = parsed(
      R"({"message":{"type":"end-of-call-report","call":{"id":"c","startedAt":"2025-06-12T10:00:00Z","endedAt":"2025-06-12T10:01:00Z"}}})");
  EXPECT_EQ(from_call.duration_seconds, 60);
}

TEST(VapiParse, RecordingUrlMustBeAWebUrl) {
  const auto m = parsed(
      R"json({"message":{"type":"end-of-call-report","call":{"id":"c"},"artifact":{
          "recordingUrl":"javascript:alert(1)","stereoRecordingUrl":"https://r.example/s.wav"}}})json");
  EXPECT_EQ(m.recording_url, "https://r.example/s.wav");
}

TEST(VapiParse, TypesWithoutACallAreAccepted) {
  const auto m = parsed(R"({"message":{"type":"chat.created","chat":{"id":"chat-1"}}})");
  EXPECT_EQ(m.kind, VapiMessageKind::other);
  EXPECT_EQ(m.call_id, "");
  EXPECT_FALSE(m.timestamp_ms);
}

TEST(VapiParse, TimestampAsIsoStringOrSeconds) {
  EXPECT_EQ(
      parsed(R"({"message":{"type":"hang","timestamp":"2025-06-12T10:00:00.250Z"}})").timestamp_ms,
      1749722400250);
  EXPECT_EQ(parsed(R"({"message":{"type":"hang","timestamp":1749722400}})").timestamp_ms,
            1749722400000);
  EXPECT_FALSE(parsed(R"({"message":{"type":"hang","timestamp":true}})").timestamp_ms);
}

// Found by tests/fuzz/vapi_webhook_fuzz.cpp (the exact input): Boost.JSON reads a number beyond
// a double's range as infinity and would write it back as "Infinity", which is not JSON.
TEST(VapiParse, TimestampBeyondADoubleIsIgnored) {
  const auto m = parsed(R"({
  "message": {
    "timestamp": 1749722e80200,
    "type": "hang",
    "call": {
      "id": "3c9d2a71-8e4b-4c7a3c104",
      "orgId": "0f3a9c2e-6b1d-4e57-a8c4-7d2e9b40",
      "temadata": {"o rgId": "org-brightsmile" }
    }
  }
}
)");
  EXPECT_EQ(m.kind, VapiMessageKind::other);
  EXPECT_EQ(m.call_id, "3c9d2a71-8e4b-4c7a3c104");
  EXPECT_FALSE(m.timestamp_ms);
}

// The same infinity in an offset was stored and served by /api/calls/<id> as "Infinity",
// breaking the call detail for JSON clients.
TEST(VapiParse, OffsetBeyondADoubleIsDropped) {
  const auto m = parsed(
      R"({"message":{"type":"end-of-call-report","call":{"id":"c"},"artifact":{"messages":[
          {"role":"bot","message":"Hi","secondsFromStart":1e400},
          {"role":"user","message":"Hello","secondsFromStart":-2e308,"time":1e999},
          {"role":"bot","message":"Bye","secondsFromStart":12.5}]}}})");
  ASSERT_EQ(m.final_transcript.size(), 3u);
  EXPECT_FALSE(m.final_transcript[0].seconds_from_start);
  EXPECT_FALSE(m.final_transcript[1].seconds_from_start);
  EXPECT_FALSE(m.final_transcript[1].time_ms);
  EXPECT_DOUBLE_EQ(m.final_transcript[2].seconds_from_start.value_or(-1), 12.5);
}

struct RejectCase {
  const char* name;
  std::string body;
  const char* message;  // the exact error
};

class VapiParseRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(VapiParseRejects, NameTheField) {
  auto result = parse_webhook_message(GetParam().body);
  auto* error = std::get_if<WebhookParseError>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_TRUE(error->message.starts_with(GetParam().message)) << error->message;
}

std::string nested(std::size_t depth) {
  return R"({"message":{"type":"hang","x":)" + std::string(depth, '[') + std::string(depth, ']') +
         "}}";
}

INSTANTIATE_TEST_SUITE_P(
    Vapi, VapiParseRejects,
    ::testing::Values(
        RejectCase{"malformed_fixture", vapi_fixture("malformed.json"), "body is not valid JSON: "},
        RejectCase{"missing_type_fixture", vapi_fixture("missing-type.json"),
                   "message.type is missing"},
        RejectCase{"missing_call_id_fixture", vapi_fixture("missing-call-id.json"),
                   "message.call.id is missing"},
        RejectCase{"empty", "", "body is not valid JSON: "},
        RejectCase{"array", "[]", "body must be a JSON object"},
        RejectCase{"no_message", R"({"type":"status-update"})", "message is missing"},
        RejectCase{"message_string", R"({"message":"status-update"})", "message must be an object"},
        RejectCase{"type_number", R"({"message":{"type":7}})", "message.type must be a string"},
        RejectCase{"type_empty", R"({"message":{"type":""}})", "message.type is empty"},
        RejectCase{"call_string", R"({"message":{"type":"hang","call":"c"}})",
                   "message.call must be an object"},
        RejectCase{"no_call", R"({"message":{"type":"end-of-call-report"}})",
                   "message.call.id is missing"},
        RejectCase{"call_id_number", R"({"message":{"type":"transcript","call":{"id":5}}})",
                   "message.call.id must be a string"},
        RejectCase{"call_id_empty", R"({"message":{"type":"status-update","call":{"id":""}}})",
                   "message.call.id is empty"},
        RejectCase{"no_status", R"({"message":{"type":"status-update","call":{"id":"c"}}})",
                   "message.status is missing"},
        RejectCase{
            "no_role",
            R"({"message":{"type":"transcript","call":{"id":"c"},"transcriptType":"final","transcript":"t"}})",
            "message.role is missing"},
        RejectCase{
            "bad_role",
            R"({"message":{"type":"transcript","call":{"id":"c"},"role":"system","transcriptType":"final","transcript":"t"}})",
            R"(message.role must be "user" or "assistant", not "system")"},
        RejectCase{
            "no_transcript_type",
            R"({"message":{"type":"transcript","call":{"id":"c"},"role":"user","transcript":"t"}})",
            "message.transcriptType is missing"},
        RejectCase{
            "bad_transcript_type",
            R"({"message":{"type":"transcript","call":{"id":"c"},"role":"user","transcriptType":"interim","transcript":"t"}})",
            R"(message.transcriptType must be "partial" or "final")"},
        RejectCase{
            "no_transcript",
            R"({"message":{"type":"transcript","call":{"id":"c"},"role":"user","transcriptType":"final"}})",
            "message.transcript is missing"},
        RejectCase{
            "transcript_number",
            R"({"message":{"type":"transcript","call":{"id":"c"},"role":"user","transcriptType":"final","transcript":1}})",
            "message.transcript must be a string"},
        RejectCase{"too_deep", nested(kWebhookMaxDepth), "body is nested deeper than 64 levels"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(VapiParse, DepthJustUnderTheLimitParses) {
  auto result = parse_webhook_message(nested(kWebhookMaxDepth - 3));
  EXPECT_TRUE(std::holds_alternative<WebhookMessage>(result));
}

struct IsoCase {
  const char* text;
  std::optional<std::int64_t> ms;
};

void PrintTo(const IsoCase& c, std::ostream* os) {
  *os << '"' << c.text << '"';
}

class VapiTime : public ::testing::TestWithParam<IsoCase> {};

TEST_P(VapiTime, ParsesIso8601WithZone) {
  EXPECT_EQ(parse_iso8601_ms(GetParam().text), GetParam().ms) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(Vapi, VapiTime,
                         ::testing::Values(IsoCase{"2025-06-12T10:00:05.120Z", 1749722405120},
                                           IsoCase{"2025-06-12T12:00:05.120+02:00", 1749722405120},
                                           IsoCase{"2025-06-12T07:30:05.120-0230", 1749722405120},
                                           IsoCase{"2025-06-12T10:00:05Z", 1749722405000},
                                           IsoCase{"2025-06-12T10:00:05.1239Z", 1749722405123},
                                           IsoCase{"2025-06-12T10:00:05.5z", 1749722405500},
                                           IsoCase{"1970-01-01T00:00:00Z", 0},
                                           IsoCase{"2000-01-01T00:00:00Z", 946684800000},
                                           IsoCase{"2024-02-29T00:00:00Z", 1709164800000},
                                           IsoCase{"2025-02-29T00:00:00Z", std::nullopt},
                                           IsoCase{"2025-13-01T00:00:00Z", std::nullopt},
                                           IsoCase{"2025-06-12T24:00:00Z", std::nullopt},
                                           IsoCase{"2025-06-12T10:00:05", std::nullopt},
                                           IsoCase{"2025-06-12T10:00:05.Z", std::nullopt},
                                           IsoCase{"2025-06-12T10:00:05Zjunk", std::nullopt},
                                           IsoCase{"2025-06-12", std::nullopt},
                                           IsoCase{"", std::nullopt},
                                           IsoCase{"1749722405120", std::nullopt}));

TEST(VapiEpoch, NumbersInSecondsOrMilliseconds) {
  EXPECT_EQ(epoch_ms_from_seconds_or_ms(1749722465), 1749722465000);
  EXPECT_EQ(epoch_ms_from_seconds_or_ms(1749722465250), 1749722465250);
  EXPECT_EQ(epoch_ms_from_seconds_or_ms(0), 0);
}

}  // namespace
}  // namespace voxgate
