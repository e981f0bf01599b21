#include "vapi_payloads.hpp"

#include <time.h>

#include <array>
#include <charconv>
#include <cstdio>

#include "bench_event.hpp"

namespace loadgen {
namespace {

// The Vapi account every assistant belongs to (Vapi's orgId, not the dashboard org).
constexpr std::string_view kVapiOrg = "0f3a9c2e-6b1d-4e57-a8c4-7d2e9b1f5a60";
constexpr std::string_view kTwilioAccount = "AC3f1b7e9d2c4a6b8e0f1d3c5a7b9e2d4f";
constexpr std::string_view kSystemPrompt =
    "You are Riley, the receptionist of the clinic. Book, move and cancel appointments politely, "
    "confirm the day and time, and never give medical advice.";

// Lines without characters JSON would escape; each has more words than a call has partials.
constexpr std::array<std::string_view, 8> kAssistantLines = {
    "Thanks for calling, this is Riley. How can I help you today?",
    "Of course. Can I have your full name and date of birth, please?",
    "I have Thursday at two or Friday at half past nine. Which would you prefer?",
    "Let me check the schedule for you, this will only take a moment.",
    "You're booked for Thursday at 2 PM with Doctor Patel. See you then!",
    "I can move that for you. Is the morning or the afternoon better?",
    "We'll send a reminder by text message the day before your visit.",
    "Is there anything else I can help you with today?",
};
constexpr std::array<std::string_view, 8> kCustomerLines = {
    "Hi, I'd like to book a cleaning for sometime next week if possible.",
    "Sure, it's Maria Gonzalez, March fourth, nineteen eighty-seven.",
    "Thursday at two works for me, thank you.",
    "I also need to move my daughter's appointment on Monday.",
    "The afternoon would be better, after three if you have anything.",
    "Do I need to bring anything with me for the first visit?",
    "No, that's everything. Thanks so much for your help.",
    "Can you tell me whether my insurance covers the X-ray?",
};

constexpr std::array<std::string_view, 3> kEndedReasons = {
    "customer-ended-call", "assistant-ended-call", "customer-ended-call"};

void number(std::string& out, std::int64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

// "2025-06-12T10:00:05.120Z"
void iso(std::string& out, std::int64_t ms) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&seconds, &t);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(ms % 1000));
  out += text;
}

void formatted(std::string& out, const char* format, unsigned long long value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  out += text;
}

void assistant_id(std::string& out, const BenchCall& c) {
  formatted(out, "5b0a4a08-133c-4146-9315-%012llx", c.org);
}

void phone_number_id(std::string& out, const BenchCall& c) {
  formatted(out, "9d4e2b1a-7c6f-4e3d-8b2a-%012llx", c.org);
}

void customer_number(std::string& out, const BenchCall& c) {
  formatted(out, "+1628555%04llu", c.number % 10000);
}

void call_sid(std::string& out, const BenchCall& c) {
  formatted(out, "CA%016llx", c.number * 0x9E3779B97F4A7C15ull);
  formatted(out, "%016llx", c.number);
}

void org(std::string& out, const BenchCall& c) {
  out += org_name(c.org);
}

// "…"/"vapi.ai/<call id>"
void call_url(std::string& out, std::string_view scheme_host, const BenchCall& c,
              std::string_view tail) {
  out += scheme_host;
  out += c.id;
  out += tail;
}

void recording_url(std::string& out, const BenchCall& c, std::string_view kind) {
  out += "https://storage.vapi.ai/";
  out += c.id;
  out += '-';
  number(out, c.started_ms);
  out += '-';
  out += kind;
  out += ".wav";
}

void phone_number(std::string& b, const BenchCall& c, bool with_server) {
  b += R"("phoneNumber":{"id":")";
  phone_number_id(b, c);
  b += R"(","orgId":")";
  b += kVapiOrg;
  b += R"(","name":"Front desk )";
  number(b, c.org);
  b += R"(","number":")";
  formatted(b, "+1415555%04llu", c.org % 10000);
  b += R"(","provider":"twilio","status":"active","assistantId":")";
  assistant_id(b, c);
  b += R"(","twilioAccountSid":")";
  b += kTwilioAccount;
  b +=
      R"(","twilioAuthToken":"8c1e5a9f3b7d2e6c0a4f8b2d6e0c4a8f","twilioApiKey":)"
      R"("SK8a2c4e6f0b1d3f5a7c9e1b3d5f7a9c2e","twilioApiSecret":"q7Yz3LmN9pR2sT5vW8xA1bC4dE6fG0hJ")";
  if (with_server)
    b += R"(,"server":{"url":"https://gw.voxanne.ai/api/webhooks/vapi","timeoutSeconds":20,)"
         R"("headers":{"Authorization":"Bearer vx-live-4c2f8e1a9b7d3e5f","X-Api-Key":)"
         R"("vx-key-0d9c8b7a6f5e4d3c"}},"createdAt":"2025-03-02T16:20:11.000Z",)"
         R"("updatedAt":"2025-05-28T08:41:37.000Z")";
  b += '}';
}

void customer(std::string& b, const BenchCall& c) {
  b += R"("customer":{"number":")";
  customer_number(b, c);
  b += R"("})";
}

void assistant(std::string& b, const BenchCall& c, bool with_server) {
  b += R"("assistant":{"id":")";
  assistant_id(b, c);
  b += R"(","name":"Receptionist )";
  number(b, c.org);
  b += '"';
  if (with_server)
    b +=
        R"(,"serverMessages":["status-update","transcript","end-of-call-report"],"server":)"
        R"({"url":"https://gw.voxanne.ai/api/webhooks/vapi","secret":"vapi-legacy-secret-5e7a1c3b"})";
  b += '}';
}

// The call object's fields up to and including its status.
void call_head(std::string& b, const BenchCall& c, std::string_view status, std::int64_t ts_ms) {
  b += R"("call":{"id":")";
  b += c.id;
  b += R"(","orgId":")";
  b += kVapiOrg;
  b += R"(","createdAt":")";
  iso(b, c.created_ms);
  b += R"(","updatedAt":")";
  iso(b, ts_ms);
  b += R"(","type":"inboundPhoneCall","status":")";
  b += status;
  b += '"';
}

void telephony(std::string& b, const BenchCall& c) {
  b += R"(,"phoneCallProvider":"twilio","phoneCallProviderId":")";
  call_sid(b, c);
  b += R"(","phoneCallTransport":"pstn","phoneNumberId":")";
  phone_number_id(b, c);
  b += '"';
}

void assistant_and_org(std::string& b, const BenchCall& c, bool with_extras) {
  b += R"(,"assistantId":")";
  assistant_id(b, c);
  b += R"(","assistantOverrides":{"metadata":{"orgId":")";
  org(b, c);
  if (with_extras) {
    b += R"(","campaign":"spring-recall"},"variableValues":{"clinicName":"Clinic )";
    number(b, c.org);
    b += R"("}})";
  } else {
    b += R"("}})";
  }
}

void transport(std::string& b, const BenchCall& c, bool with_token) {
  b += R"(,"transport":{"provider":"twilio","accountSid":")";
  b += kTwilioAccount;
  b += R"(","callSid":")";
  call_sid(b, c);
  b += '"';
  if (with_token) b += R"(,"callToken":"ctk-91c4e7a2d05b38f6")";
  b += '}';
}

void message_head(std::string& b, std::int64_t ts_ms, std::string_view type) {
  b += R"({"message":{"timestamp":)";
  number(b, ts_ms);
  b += R"(,"type":")";
  b += type;
  b += '"';
}

// Artifact times: line u starts 0.9 s + 9 s per line after the call was answered.
std::int64_t line_start_ms(const BenchCall& c, int u) {
  return c.started_ms + 900 + std::int64_t{9000} * u;
}

std::int64_t ended_ms(const BenchCall& c, int utterances) {
  return line_start_ms(c, utterances) + 1500;
}

void seconds_from_start(std::string& b, std::int64_t offset_ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(offset_ms) / 1000);
  b += text;
}

void artifact_line(std::string& b, const BenchCall& c, int u) {
  const bool bot = u % 2 == 0;
  const std::int64_t start = line_start_ms(c, u);
  const auto duration = static_cast<std::int64_t>(utterance(c.number, u).size()) * 55;
  b += R"(,{"role":")";
  b += bot ? "bot" : "user";
  b += R"(","message":")";
  b += utterance(c.number, u);
  b += R"(","time":)";
  number(b, start);
  b += R"(,"endTime":)";
  number(b, start + duration);
  b += R"(,"secondsFromStart":)";
  seconds_from_start(b, start - c.started_ms);
  b += R"(,"duration":)";
  number(b, duration);
  if (bot) b += R"(,"source":"model")";
  b += '}';
}

void tool_call(std::string& b, const BenchCall& c, int after_u) {
  const std::int64_t at = line_start_ms(c, after_u) + 4000;
  b +=
      R"(,{"role":"tool_calls","message":"","toolCalls":[{"id":"call_8f2a61","type":"function",)"
      R"("function":{"name":"checkAvailability","arguments":"{\"week\":\"2025-06-16\"}"}}],"time":)";
  number(b, at);
  b += R"(,"secondsFromStart":)";
  seconds_from_start(b, at - c.started_ms);
  b += R"(},{"role":"tool_call_result","toolCallId":"call_8f2a61","name":"checkAvailability",)"
       R"("result":"{\"slots\":[\"Thu 14:00\",\"Fri 09:30\"]}","time":)";
  number(b, at + 600);
  b += R"(,"secondsFromStart":)";
  seconds_from_start(b, at + 600 - c.started_ms);
  b += '}';
}

void artifact(std::string& b, const BenchCall& c, int utterances) {
  b += R"("artifact":{"transcript":")";
  for (int u = 0; u < utterances; ++u) {
    b += u % 2 == 0 ? "AI: " : "User: ";
    b += utterance(c.number, u);
    b += "\\n";
  }
  b += R"(","messages":[{"role":"system","message":")";
  b += kSystemPrompt;
  b += R"(","time":)";
  number(b, c.started_ms);
  b += R"(,"secondsFromStart":0})";
  for (int u = 0; u < utterances; ++u) {
    artifact_line(b, c, u);
    if (u == 1) tool_call(b, c, u);
  }
  b += R"(],"messagesOpenAIFormatted":[{"role":"system","content":")";
  b += kSystemPrompt;
  b += R"("})";
  for (int u = 0; u < utterances; ++u) {
    b += R"(,{"role":")";
    b += u % 2 == 0 ? "assistant" : "user";
    b += R"(","content":")";
    b += utterance(c.number, u);
    b += R"("})";
  }
  b += R"(],"recording":{"stereoUrl":")";
  recording_url(b, c, "stereo");
  b += R"(","mono":{"combinedUrl":")";
  recording_url(b, c, "mono");
  b += R"(","assistantUrl":")";
  recording_url(b, c, "assistant");
  b += R"(","customerUrl":")";
  recording_url(b, c, "customer");
  b += R"("}},"recordingUrl":")";
  recording_url(b, c, "mono");
  b += R"(","stereoRecordingUrl":")";
  recording_url(b, c, "stereo");
  b += R"(","logUrl":"https://calllogs.vapi.ai/)";
  b += kVapiOrg;
  b += '/';
  b += c.id;
  b += '/';
  iso(b, ended_ms(c, utterances));
  b += R"(.jsonl.gz"})";
}

}  // namespace

std::string_view utterance(std::uint64_t call_number, int u) {
  const auto turn = call_number + static_cast<std::uint64_t>(u / 2);
  if (u % 2 == 1) return kCustomerLines[turn % kCustomerLines.size()];
  // The assistant greets first, then answers.
  return u == 0 ? kAssistantLines[0] : kAssistantLines[1 + turn % (kAssistantLines.size() - 1)];
}

std::string_view partial_of(std::string_view line, int k, int parts) {
  std::size_t words = 1;
  for (char ch : line) words += ch == ' ';
  std::size_t want = words * static_cast<std::size_t>(k + 1) / static_cast<std::size_t>(parts + 1);
  if (want == 0) want = 1;
  std::size_t end = 0;
  for (std::size_t seen = 0; end < line.size(); ++end)
    if (line[end] == ' ' && ++seen == want) break;
  return line.substr(0, end);
}

void append_status_update(std::string& b, const BenchCall& c, std::string_view status,
                          std::int64_t ts_ms) {
  message_head(b, ts_ms, "status-update");
  b += R"(,"status":")";
  b += status;
  b += "\",";
  call_head(b, c, status, ts_ms);
  telephony(b, c);
  assistant_and_org(b, c, true);
  b += ',';
  customer(b, c);
  transport(b, c, true);
  call_url(
      b,
      R"(,"monitor":{"listenUrl":"wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/)",
      c, R"(/listen",)");
  call_url(
      b, R"("controlUrl":"https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/)",
      c, R"(/control"}},)");
  phone_number(b, c, true);
  b += ',';
  customer(b, c);
  b += ',';
  assistant(b, c, true);
  b += "}}";
}

void append_transcript(std::string& b, const BenchCall& c, bool assistant_role, bool final,
                       std::string_view text, std::int64_t ts_ms) {
  message_head(b, ts_ms, "transcript");
  b += R"(,"role":")";
  b += assistant_role ? "assistant" : "user";
  b += R"(","transcriptType":")";
  b += final ? "final" : "partial";
  b += R"(","transcript":")";
  b += text;
  b += R"(","isFiltered":false,"detectedThreats":[],"originalTranscript":")";
  b += text;
  b += "\",";
  call_head(b, c, "in-progress", ts_ms);
  assistant_and_org(b, c, false);
  b += ',';
  customer(b, c);
  b += "},";
  customer(b, c);
  b += "}}";
}

void append_end_of_call_report(std::string& b, const BenchCall& c, int utterances,
                               std::int64_t ts_ms) {
  const std::string_view reason = kEndedReasons[c.number % kEndedReasons.size()];
  message_head(b, ts_ms, "end-of-call-report");
  b += R"(,"endedReason":")";
  b += reason;
  b += R"(","startedAt":")";
  iso(b, c.started_ms);
  b += R"(","endedAt":")";
  iso(b, ended_ms(c, utterances));
  b += R"(","cost":0.2314,"costs":[{"type":"transport","provider":"twilio","minutes":3.206,)"
       R"("cost":0.0256},{"type":"model","model":{"provider":"openai","model":"gpt-4o"},)"
       R"("promptTokens":3120,"completionTokens":214,"cost":0.011},{"type":"vapi",)"
       R"("subType":"normal","minutes":3.206,"cost":0.1603}],"analysis":{"summary":)"
       R"("The caller booked a teeth cleaning for Thursday at 2 PM.","successEvaluation":"true",)"
       R"("structuredData":{"appointment":"2025-06-19T14:00:00-07:00","service":"cleaning"}},)";
  artifact(b, c, utterances);
  b += ',';
  call_head(b, c, "ended", ts_ms);
  b += R"(,"endedReason":")";
  b += reason;
  b += '"';
  telephony(b, c);
  assistant_and_org(b, c, false);
  b += ',';
  customer(b, c);
  b += R"(,"startedAt":")";
  iso(b, c.started_ms);
  b += R"(","endedAt":")";
  iso(b, ended_ms(c, utterances));
  b += '"';
  transport(b, c, false);
  b += "},";
  phone_number(b, c, false);
  b += ',';
  customer(b, c);
  b += ',';
  assistant(b, c, false);
  b += "}}";
}

}  // namespace loadgen
