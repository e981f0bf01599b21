// Vapi server messages to live events (protocol section 4 -> section 2) and delivery keys.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "vapi/webhook_mapping.hpp"
#include "vapi_fixtures.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;
using test::vapi_fixture;

constexpr std::int64_t kNow = 1'750'000'000'000;  // only used when a message has no timestamp

WebhookMessage parsed(const std::string& body) {
  auto result = parse_webhook_message(body);
  if (auto* error = std::get_if<WebhookParseError>(&result)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<WebhookMessage>(std::move(result));
}

json::array events_of(const std::string& body) {
  json::array out;
  for (auto& e : live_events(parsed(body), kNow)) out.push_back(std::move(e));
  return out;
}

struct MapCase {
  const char* name;
  const char* file;
  const char* events;  // the JSON array live_events must produce
};

class VapiMapFixture : public ::testing::TestWithParam<MapCase> {};

TEST_P(VapiMapFixture, ProducesSection2Events) {
  const auto actual = events_of(vapi_fixture(GetParam().file));
  EXPECT_EQ(json::value(actual), json::parse(GetParam().events)) << json::serialize(actual);
}

INSTANTIATE_TEST_SUITE_P(
    Vapi, VapiMapFixture,
    ::testing::Values(
        MapCase{
            "ringing", "status-update-ringing-phone.json",
            R"([{"type":"call_status","vapiCallId":"b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b","status":"ringing"}])"},
        MapCase{
            "in_progress", "status-update-in-progress-web.json",
            R"([{"type":"call_status","vapiCallId":"3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104","status":"in_progress"}])"},
        MapCase{
            "ended", "status-update-ended-phone.json",
            R"([{"type":"call_status","vapiCallId":"c2e7a9f1-5d3b-4e8a-9c1f-7b2d4e6a8c03","status":"ended"}])"},
        MapCase{
            "queued", "status-update-queued-websocket.json",
            R"([{"type":"call_status","vapiCallId":"e51b7d09-2f6c-4a83-9d1e-6b0c4f8a2d35","status":"connecting"}])"},
        MapCase{
            "transcript_partial", "transcript-partial-user.json",
            R"([{"type":"transcript","vapiCallId":"b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b","speaker":"customer",
                     "text":"I'd like to book a cleaning for","is_final":false,"ts":1749722412345}])"},
        MapCase{
            "transcript_final", "transcript-final-assistant.json",
            R"([{"type":"transcript","vapiCallId":"3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104","speaker":"agent",
                     "text":"Sure, which day works best for you?","is_final":true,"ts":1749722470901}])"},
        MapCase{
            "transcript_finals_only", "transcript-final-only-subscription.json",
            R"([{"type":"transcript","vapiCallId":"3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104","speaker":"customer",
                     "text":"Thursday afternoon, if you have anything.","is_final":true,"ts":1749722478120}])"},
        MapCase{"end_report", "end-of-call-report.json",
                R"([{"type":"call_ended","vapiCallId":"b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b",
                     "reason":"customer-ended-call","durationSeconds":192},
                    {"type":"recording_ready","vapiCallId":"b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b",
                     "recordingUrl":"https://storage.vapi.ai/b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b-1749722600000-mono.wav"}])"},
        MapCase{"end_report_no_recording", "end-of-call-report-no-recording.json",
                R"([{"type":"call_ended","vapiCallId":"3c9d2a71-8e4b-4c0f-b6d2-91e5f7a3c104",
                     "reason":"assistant-ended-call","durationSeconds":102}])"},
        MapCase{
            "end_report_legacy", "end-of-call-report-legacy.json",
            R"([{"type":"call_ended","vapiCallId":"f06a7a3e-8d52-4c1b-9e07-3b6d2a9c5e18","reason":"silence-timed-out"},
                    {"type":"recording_ready","vapiCallId":"f06a7a3e-8d52-4c1b-9e07-3b6d2a9c5e18",
                     "recordingUrl":"https://auth.vapi.ai/storage/v1/object/public/recordings/f06a7a3e-8d52-4c1b-9e07-3b6d2a9c5e18-1728400712000-mono.wav"}])"},
        MapCase{"speech_update", "speech-update.json", "[]"},
        MapCase{"conversation_update", "conversation-update.json", "[]"},
        MapCase{"hang", "hang.json", "[]"}, MapCase{"tool_calls", "tool-calls.json", "[]"},
        MapCase{"assistant_request", "assistant-request.json", "[]"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(VapiMapping, EventsCarryNoIdOrOrg) {
  for (const char* file : {"status-update-ringing-phone.json", "transcript-partial-user.json",
                           "end-of-call-report.json"})
    for (const auto& e : live_events(parsed(vapi_fixture(file)), kNow)) {
      EXPECT_FALSE(e.contains("id")) << file;
      EXPECT_FALSE(e.contains("orgId")) << file;
    }
}

struct StatusCase {
  const char* vapi;
  std::optional<std::string_view> live;
};

void PrintTo(const StatusCase& c, std::ostream* os) {
  *os << '"' << c.vapi << '"';
}

class VapiCallStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(VapiCallStatus, MapsToLiveStatus) {
  EXPECT_EQ(live_call_status(GetParam().vapi), GetParam().live) << GetParam().vapi;
}

INSTANTIATE_TEST_SUITE_P(
    Vapi, VapiCallStatus,
    ::testing::Values(StatusCase{"queued", "connecting"}, StatusCase{"ringing", "ringing"},
                      StatusCase{"in-progress", "in_progress"},
                      StatusCase{"forwarding", "in_progress"}, StatusCase{"ended", "ended"},
                      StatusCase{"scheduled", std::nullopt}, StatusCase{"not-found", std::nullopt},
                      StatusCase{"deletion-failed", std::nullopt},
                      StatusCase{"in_progress", std::nullopt}, StatusCase{"", std::nullopt}));

TEST(VapiMapping, UnmappedStatusPublishesNothing) {
  EXPECT_TRUE(
      events_of(R"({"message":{"type":"status-update","status":"scheduled","call":{"id":"c"}}})")
          .empty());
}

TEST(VapiMapping, TranscriptWithoutTimestampUsesNow) {
  const auto events = events_of(
      R"({"message":{"type":"transcript","role":"user","transcriptType":"final","transcript":"hi","call":{"id":"c"}}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].as_object().at("ts"), json::value(kNow));
}

TEST(VapiMapping, CallEndedLeavesOutWhatIsUnknown) {
  EXPECT_EQ(
      json::value(events_of(R"({"message":{"type":"end-of-call-report","call":{"id":"c"}}})")),
      json::parse(R"([{"type":"call_ended","vapiCallId":"c"}])"));
}

// Another delivery of `file` with the fields Vapi may change between deliveries changed.
std::string redelivered(const char* file, std::int64_t timestamp) {
  auto doc = json::parse(vapi_fixture(file));
  auto& message = doc.at("message").as_object();
  message["timestamp"] = timestamp;
  if (auto* artifact = message.if_contains("artifact"))
    artifact->as_object()["recordingUrl"] = "https://storage.vapi.ai/presigned?sig=second-delivery";
  return json::serialize(doc);
}

TEST(WebhookDeliveryKey, IsAStableSha256) {
  // printf '%s' '13:status-update36:b8f1c3e2-4a5d-4f6e-9a1b-2c3d4e5f6a7b7:ringing' | sha256sum
  EXPECT_EQ(delivery_key(parsed(vapi_fixture("status-update-ringing-phone.json"))),
            "70d885b5678998b1b8abf0e27c07196c71a0af6f1b1391c8037569db7cfa3309");
}

TEST(WebhookDeliveryKey, SameForARetriedDelivery) {
  for (const char* file : {"status-update-ringing-phone.json", "end-of-call-report.json",
                           "transcript-partial-user.json", "hang.json", "tool-calls.json"}) {
    const auto body = vapi_fixture(file);
    EXPECT_EQ(delivery_key(parsed(body)), delivery_key(parsed(body))) << file;
  }
  // Status updates and end-of-call reports are once per call, whatever the timestamp or
  // presigned URLs of the second delivery say.
  for (const char* file : {"status-update-ringing-phone.json", "end-of-call-report.json"})
    EXPECT_EQ(delivery_key(parsed(vapi_fixture(file))),
              delivery_key(parsed(redelivered(file, 1749722999999))))
        << file;
}

TEST(WebhookDeliveryKey, DiffersBetweenMessages) {
  auto key = [](const std::string& message) {
    return delivery_key(parsed(R"({"message":)" + message + "}"));
  };
  const std::string yes_at_1 =
      R"({"type":"transcript","role":"user","transcriptType":"final","transcript":"yes","timestamp":1,"call":{"id":"c"}})";
  const std::vector<std::string> distinct{
      yes_at_1,
      // the same word said again later
      R"({"type":"transcript","role":"user","transcriptType":"final","transcript":"yes","timestamp":2,"call":{"id":"c"}})",
      R"({"type":"transcript","role":"user","transcriptType":"partial","transcript":"yes","timestamp":1,"call":{"id":"c"}})",
      R"({"type":"transcript","role":"assistant","transcriptType":"final","transcript":"yes","timestamp":1,"call":{"id":"c"}})",
      R"({"type":"transcript","role":"user","transcriptType":"final","transcript":"yes","timestamp":1,"call":{"id":"d"}})",
      R"({"type":"status-update","status":"ringing","call":{"id":"c"}})",
      R"({"type":"status-update","status":"in-progress","call":{"id":"c"}})",
      R"({"type":"end-of-call-report","call":{"id":"c"}})",
      R"({"type":"hang","timestamp":1,"call":{"id":"c"}})",
      R"({"type":"hang","timestamp":2,"call":{"id":"c"}})",
      R"({"type":"speech-update","timestamp":1,"call":{"id":"c"}})"};
  std::set<std::string> keys;
  for (const auto& m : distinct) keys.insert(key(m));
  EXPECT_EQ(keys.size(), distinct.size());
  EXPECT_EQ(key(yes_at_1).size(), 64u);
}

}  // namespace
}  // namespace voxgate
