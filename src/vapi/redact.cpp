#include "vapi/redact.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>

#include "ops/text.hpp"
#include "vapi/webhook_message.hpp"

namespace voxgate {
namespace {

namespace json = boost::json;

// A Twilio account SID is not named like a secret but is half a login (with the auth token); the
// same SID arrives as phoneNumber.twilioAccountSid and call.transport.accountSid.
constexpr std::array<std::string_view, 11> kCredentialWords{
    "token",       "secret",     "password",      "apikey",     "api_key",   "api-key",
    "private_key", "privatekey", "authorization", "credential", "accountsid"};

// A count such as "llmPromptTokens" is a number; a secret never is.
bool may_hold_secret(const json::value& v) {
  return v.is_string() || v.is_object() || v.is_array();
}

void redact(json::value& value) {
  if (auto* array = value.if_array()) {
    for (auto& item : *array) redact(item);
    return;
  }
  auto* object = value.if_object();
  if (!object) return;
  for (auto& [key, field] : *object) {
    if (is_credential_key(key) && may_hold_secret(field))
      field = kRedacted;
    else
      redact(field);
  }
}

}  // namespace

bool is_credential_key(std::string_view key) {
  const std::string lower = to_lower(key);
  for (auto word : kCredentialWords)
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

void redact_credentials(boost::json::value& value) {
  redact(value);
}

std::string redacted_body(std::string_view body) {
  try {
    json::parse_options options;
    options.max_depth = kWebhookMaxDepth;
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec, {}, options);
    if (!ec) {
      redact_credentials(doc);
      return json::serialize(doc);
    }
  } catch (const std::exception&) {
    // Falls through to the description: a log line must not fail the request.
  }
  return "[unparseable body, " + std::to_string(body.size()) + " bytes, not shown]";
}

}  // namespace voxgate
