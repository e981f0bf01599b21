#pragma once
// Credentials removed from Vapi payloads before anything is logged or stored: webhook bodies
// carry the phone number's Twilio/Vonage/Telnyx credentials and the assistant's server secrets.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace voxgate {

inline constexpr std::string_view kRedacted = "[redacted]";

// True for a key whose value is a credential: its lower-cased name contains token, secret,
// password, apikey/api_key/api-key, private_key/privatekey, authorization, credential or
// accountsid. Covers phoneNumber's twilioAuthToken, twilioApiKey, twilioApiSecret,
// twilioAccountSid, Vonage/Telnyx credentialId and SIP authentication.password, and the
// assistant's server headers and secret.
bool is_credential_key(std::string_view key);

// Replaces every credential in `value`, at any depth, with "[redacted]": the values of keys that
// is_credential_key() names, unless a number, bool or null ("llmPromptTokens" is a count).
void redact_credentials(boost::json::value& value);

// `body` re-serialised with its credentials redacted; a body that does not parse is not echoed
// (it could hold anything) but described by its size.
std::string redacted_body(std::string_view body);

}  // namespace voxgate
