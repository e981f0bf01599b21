// Credentials never leave a Vapi payload for a log or the store.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "vapi/redact.hpp"
#include "vapi_fixtures.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;
using test::vapi_fixture;

// Every credential the fixtures carry (phoneNumber, server headers and secrets, call transport).
const std::vector<std::string> kFixtureSecrets{
    "8c1e5a9f3b7d2e6c0a4f8b2d6e0c4a8f",    // phoneNumber.twilioAuthToken
    "AC3f1b7e9d2c4a6b8e0f1d3c5a7b9e2d4f",  // phoneNumber.twilioAccountSid, transport.accountSid
    "SK8a2c4e6f0b1d3f5a7c9e1b3d5f7a9c2e",  // phoneNumber.twilioApiKey
    "q7Yz3LmN9pR2sT5vW8xA1bC4dE6fG0hJ",    // phoneNumber.twilioApiSecret
    "vx-live-4c2f8e1a9b7d3e5f",            // phoneNumber.server.headers.Authorization
    "vx-key-0d9c8b7a6f5e4d3c",             // phoneNumber.server.headers.X-Api-Key
    "vapi-legacy-secret-5e7a1c3b",         // assistant.server.secret
    "ctk-91c4e7a2d05b38f6",                // call.transport.callToken
    "tool-server-secret-2b9f",             // toolWithToolCallList[].server.secret
    "cred_7f3e9a1c5b2d",                   // phoneNumber.credentialId (Vonage)
};

// The string at a redacted document's path, or a description of what is there instead.
std::string text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : "<not a string: " + json::serialize(v) + ">";
}

const std::string kMarker(kRedacted);

class RedactFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(RedactFixture, NoSecretSurvives) {
  const std::string body = vapi_fixture(GetParam());
  const std::string out = redacted_body(body);
  for (const auto& secret : kFixtureSecrets)
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in " << GetParam();
  // Redaction removes values, never the message: same keys, same non-secret content.
  EXPECT_NE(out.find("\"message\""), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Redact, RedactFixture,
    ::testing::Values("status-update-ringing-phone.json", "status-update-in-progress-web.json",
                      "status-update-ended-phone.json", "status-update-queued-websocket.json",
                      "transcript-partial-user.json", "transcript-final-assistant.json",
                      "transcript-final-only-subscription.json", "end-of-call-report.json",
                      "end-of-call-report-no-recording.json", "end-of-call-report-legacy.json",
                      "speech-update.json", "conversation-update.json", "hang.json",
                      "tool-calls.json", "assistant-request.json"));

TEST(Redact, PhoneNumberCredentialsBecomeMarkers) {
  const std::string body = vapi_fixture("status-update-ringing-phone.json");
  for (const auto& secret :
       {"8c1e5a9f3b7d2e6c0a4f8b2d6e0c4a8f", "q7Yz3LmN9pR2sT5vW8xA1bC4dE6fG0hJ"})
    ASSERT_NE(body.find(secret), std::string::npos) << "the fixture must carry " << secret;
  const auto doc = json::parse(redacted_body(body));
  const auto& phone = doc.at("message").at("phoneNumber").as_object();
  for (const char* key : {"twilioAccountSid", "twilioAuthToken", "twilioApiKey", "twilioApiSecret"})
    EXPECT_EQ(text(phone.at(key)), kMarker) << key;
  EXPECT_EQ(text(phone.at("server").at("headers").at("Authorization")), kMarker);
  EXPECT_EQ(text(phone.at("server").at("headers").at("X-Api-Key")), kMarker);
  // What is not a credential stays, for the log line to be useful.
  EXPECT_EQ(text(phone.at("number")), "+14155550199");
  EXPECT_EQ(text(phone.at("provider")), "twilio");
  EXPECT_EQ(text(phone.at("server").at("url")), "https://gw.voxanne.ai/api/webhooks/vapi");
  const auto& call = doc.at("message").at("call").as_object();
  EXPECT_EQ(text(call.at("customer").at("number")), "+14155550123");
  EXPECT_EQ(text(call.at("transport").at("callSid")), "CA1f2e3d4c5b6a79880716253443526170");
  EXPECT_EQ(text(call.at("transport").at("callToken")), kMarker);
  EXPECT_EQ(text(doc.at("message").at("assistant").at("server").at("secret")), kMarker);
}

TEST(Redact, CountsNamedLikeTokensStay) {
  const auto doc = json::parse(redacted_body(vapi_fixture("end-of-call-report.json")));
  const auto& model_cost = doc.at("message").at("costs").at(1).as_object();
  EXPECT_EQ(json::serialize(model_cost.at("promptTokens")), "3120");
  EXPECT_EQ(json::serialize(model_cost.at("completionTokens")), "214");
}

TEST(Redact, InPlaceAtAnyDepthAndInArrays) {
  auto doc = json::parse(R"({"a":[{"b":{"clientSecret":{"nested":"s1"},"apiKey":null,
      "maxTokens":250,"keep":"k"}}],"headers":[{"authorization":"Bearer s2"}],
      "sip":{"authentication":{"username":"u","password":"s3"}},"privateKey":"s4"})");
  redact_credentials(doc);
  EXPECT_EQ(
      json::serialize(doc),
      R"({"a":[{"b":{"clientSecret":"[redacted]","apiKey":null,"maxTokens":250,"keep":"k"}}],)"
      R"("headers":[{"authorization":"[redacted]"}],)"
      R"("sip":{"authentication":{"username":"u","password":"[redacted]"}},)"
      R"("privateKey":"[redacted]"})");
}

struct KeyCase {
  const char* key;
  bool credential;
};

void PrintTo(const KeyCase& c, std::ostream* os) {
  *os << c.key;
}

class RedactKey : public ::testing::TestWithParam<KeyCase> {};

TEST_P(RedactKey, NamesCredentials) {
  EXPECT_EQ(is_credential_key(GetParam().key), GetParam().credential) << GetParam().key;
}

INSTANTIATE_TEST_SUITE_P(
    Redact, RedactKey,
    ::testing::Values(KeyCase{"twilioAuthToken", true}, KeyCase{"twilioApiSecret", true},
                      KeyCase{"twilioApiKey", true}, KeyCase{"twilioAccountSid", true},
                      KeyCase{"accountSid", true}, KeyCase{"credentialId", true},
                      KeyCase{"Authorization", true}, KeyCase{"x-vapi-secret", true},
                      KeyCase{"X-Api-Key", true}, KeyCase{"api_key", true},
                      KeyCase{"secretKey", true}, KeyCase{"password", true},
                      KeyCase{"privateKey", true}, KeyCase{"callToken", true},
                      KeyCase{"number", false}, KeyCase{"callSid", false},
                      KeyCase{"transcript", false}, KeyCase{"orgId", false},
                      KeyCase{"recordingUrl", false}, KeyCase{"provider", false}));

TEST(Redact, UnparseableBodyIsDescribedNotEchoed) {
  const std::string body = R"({"phoneNumber":{"twilioAuthToken":"s3cr3t")";
  const std::string out = redacted_body(body);
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(out, "[unparseable body, " + std::to_string(body.size()) + " bytes, not shown]");
}

}  // namespace
}  // namespace voxgate
