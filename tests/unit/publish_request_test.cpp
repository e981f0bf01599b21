#include "live/publish_request.hpp"

#include <gtest/gtest.h>

#include "live/event_encoding.hpp"

namespace voxgate {
namespace {

struct RejectCase {
  const char* name;
  const char* body;
  int status;
  const char* mentions;  // the field the message must name
};

class PublishRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(PublishRejects, NameTheBadField) {
  PublishConfig limits;
  limits.event_bytes = 2048;
  limits.max_batch = 3;
  auto result = parse_publish_body(GetParam().body, limits, 1000);
  auto* rejected = std::get_if<PublishRejection>(&result);
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->status, GetParam().status);
  EXPECT_NE(rejected->message.find(GetParam().mentions), std::string::npos) << rejected->message;
}

INSTANTIATE_TEST_SUITE_P(
    Publish, PublishRejects,
    ::testing::Values(
        RejectCase{"not_json", "{", 400, "not valid JSON"},
        RejectCase{"scalar", "42", 400, "must be an object"},
        RejectCase{"empty_array", "[]", 400, "empty array"},
        RejectCase{"too_many", R"([{},{},{},{}])", 413, "[publish].max_batch"},
        RejectCase{"no_org", R"({"event":{"type":"x"}})", 400, "body.orgId"},
        RejectCase{"empty_org", R"({"orgId":"","event":{"type":"x"}})", 400, "body.orgId"},
        RejectCase{"numeric_org", R"({"orgId":7,"event":{"type":"x"}})", 400, "body.orgId"},
        RejectCase{"bad_user", R"({"orgId":"o","userId":5,"event":{"type":"x"}})", 400,
                   "body.userId"},
        RejectCase{"no_event", R"({"orgId":"o"})", 400, "body.event"},
        RejectCase{"no_type", R"({"orgId":"o","event":{}})", 400, "body.event.type"},
        RejectCase{"bad_type", R"({"orgId":"o","event":{"type":"Call-Status"}})", 400,
                   "body.event.type"},
        RejectCase{"status_enum",
                   R"({"orgId":"o","event":{"type":"call_status","vapiCallId":"c","status":"x"}})",
                   400, "body.event.status"},
        RejectCase{
            "speaker_enum",
            R"({"orgId":"o","event":{"type":"transcript","vapiCallId":"c","speaker":"bot","text":"t","is_final":true}})",
            400, "body.event.speaker"},
        RejectCase{
            "is_final_type",
            R"({"orgId":"o","event":{"type":"transcript","vapiCallId":"c","speaker":"agent","text":"t","is_final":"yes"}})",
            400, "body.event.is_final"},
        RejectCase{"recording_url",
                   R"({"orgId":"o","event":{"type":"recording_ready","vapiCallId":"c"}})", 400,
                   "body.event.recordingUrl"},
        RejectCase{"metrics_object",
                   R"({"orgId":"o","event":{"type":"metrics_update","metrics":1}})", 400,
                   "body.event.metrics"},
        RejectCase{"second_item", R"([{"orgId":"o","event":{"type":"x"}},{"orgId":"o"}])", 400,
                   "[1].event"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Publish, OversizedEventIs413) {
  PublishConfig limits;
  limits.event_bytes = 1024;
  std::string body =
      R"({"orgId":"o","event":{"type":"note","text":")" + std::string(2000, 'a') + "\"}}";
  auto result = parse_publish_body(body, limits, 0);
  ASSERT_TRUE(std::holds_alternative<PublishRejection>(result));
  EXPECT_EQ(std::get<PublishRejection>(result).status, 413);
}

TEST(Publish, GatewayAssignsIdAndOrgAndScopesByUser) {
  auto result = parse_publish_body(
      R"([{"orgId":"o1","userId":"u1","event":{"type":"transcript","id":"forged","orgId":"other","vapiCallId":"c","speaker":"agent","text":"hi","is_final":false}},
          {"orgId":"o2","event":{"type":"custom_thing","userId":"u9","x":1}}])",
      PublishConfig{}, 1234);
  auto* events = std::get_if<std::vector<NewEvent>>(&result);
  ASSERT_NE(events, nullptr);
  ASSERT_EQ(events->size(), 2u);
  const NewEvent& a = (*events)[0];
  EXPECT_EQ(a.org_id, "o1");
  EXPECT_EQ(a.user_id, "u1");
  EXPECT_EQ(a.type, "transcript");
  EXPECT_EQ(a.body.find("forged"), std::string::npos);
  EXPECT_EQ(a.body.find("other"), std::string::npos);
  EXPECT_NE(a.body.find(R"("ts":1234)"), std::string::npos) << "a missing ts is filled";
  EXPECT_NE(a.body.find(R"("userId":"u1")"), std::string::npos);
  EXPECT_EQ((*events)[1].user_id, "u9") << "an event naming a user is scoped to it";
}

// Found by tests/fuzz/publish_fuzz.cpp: Boost.JSON reads 1e382 as infinity and serialises it as
// "Infinity", which no JSON parser reads; stored, the event would break every subscriber.
TEST(Publish, NumberBeyondADoubleIsRefused) {
  auto result =
      parse_publish_body(R"([{"orgId":"1","event":{"type":"_","":1e382}}])", PublishConfig{}, 0);
  auto* rejected = std::get_if<PublishRejection>(&result);
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->status, 400);
  EXPECT_NE(rejected->message.find("beyond the range of a double"), std::string::npos)
      << rejected->message;
  auto negative = parse_publish_body(
      R"({"orgId":"o","event":{"type":"call_ended","vapiCallId":"c","durationSeconds":-4e400}})",
      PublishConfig{}, 0);
  EXPECT_TRUE(std::holds_alternative<PublishRejection>(negative));
  auto largest =
      parse_publish_body(R"({"orgId":"o","event":{"type":"x","n":1.7e308}})", PublishConfig{}, 0);
  ASSERT_TRUE(std::holds_alternative<std::vector<NewEvent>>(largest));
  EXPECT_EQ(std::get<std::vector<NewEvent>>(largest)[0].body.find("Infinity"), std::string::npos);
}

TEST(EventEncoding, AddsIdAndOrgWithoutReparsing) {
  EXPECT_EQ(encode_event("org-1", 42, R"({"type":"x","a":1})"),
            R"({"id":"42","orgId":"org-1","type":"x","a":1})");
  EXPECT_EQ(encode_event("o\"q", 1, "{}"), R"({"id":"1","orgId":"o\"q"})");
}

}  // namespace
}  // namespace voxgate
