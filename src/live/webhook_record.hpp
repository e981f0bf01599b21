#pragma once
// One provider webhook as the event log records it: the call's changes, the events it
// publishes and its de-duplication key, stored in one transaction, or not at all.

#include <string>
#include <utility>
#include <vector>

#include "store/call_store.hpp"
#include "store/event_store.hpp"

namespace voxgate {

struct WebhookRecord {
  std::string delivery_key;  // equal for repeated deliveries of one message
  // Org ids the payload names, (where, org) in the protocol's order; the store's record of
  // the call comes first and the assistant's org last.
  std::vector<std::pair<std::string, std::string>> org_hints;
  std::string config_org;        // from [vapi].assistant_orgs: the last resort
  CallUpdate call;               // org_id is filled in by the log
  std::vector<NewEvent> events;  // org_id is filled in by the log
};

enum class WebhookStatus { stored, duplicate, unroutable, failed };

struct WebhookOutcome {
  WebhookStatus status = WebhookStatus::failed;
  std::string org_id;
  std::string org_source;  // how the org was found, for the log line
  std::vector<std::string> ids;
  std::string error;
};

}  // namespace voxgate
