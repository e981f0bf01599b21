// POST /api/events bodies come from every backend holding an API key: validate arbitrary ones.
//
// Input: the request body. Small limits (1 KiB per event, 8 per batch) bring the 413 paths
// within reach of short inputs.

#include <boost/json/parse.hpp>

#include "fuzz_support.hpp"
#include "live/event_encoding.hpp"
#include "live/publish_request.hpp"

namespace {

using namespace voxgate;
namespace json = boost::json;

constexpr std::int64_t kNowMs = 1'750'000'000'000;

PublishConfig limits() {
  PublishConfig config;
  config.event_bytes = 1024;
  config.max_batch = 8;
  return config;
}

// What the store keeps and subscribers receive: an object the gateway's id and org lead.
void check_event(const NewEvent& event, const PublishConfig& config) {
  FUZZ_CHECK(!event.org_id.empty() && event.org_id.size() <= 256);
  FUZZ_CHECK(!event.type.empty() && event.type.size() <= 64);
  FUZZ_CHECK(event.body.size() <= config.event_bytes);
  FUZZ_CHECK(event.ts_ms == kNowMs);
  boost::system::error_code ec;
  const json::value body = json::parse(event.body, ec);
  FUZZ_CHECK(!ec && body.is_object());
  const json::object& fields = body.get_object();
  FUZZ_CHECK(!fields.contains("id") && !fields.contains("orgId"));
  FUZZ_CHECK(fields.contains("type") && fields.at("type") == json::value(event.type));
  if (!event.user_id.empty()) FUZZ_CHECK(fields.at("userId") == json::value(event.user_id));

  const json::value sent = json::parse(encode_event(event.org_id, 42, event.body), ec);
  FUZZ_CHECK(!ec && sent.is_object());
  FUZZ_CHECK(sent.at("id") == "42");
  FUZZ_CHECK(sent.at("orgId") == json::value(event.org_id));
  FUZZ_CHECK(sent.get_object().size() == fields.size() + 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PublishConfig config = limits();
  auto result = parse_publish_body(fuzz::as_text(data, size), config, kNowMs);
  if (const auto* rejected = std::get_if<PublishRejection>(&result)) {
    FUZZ_CHECK(rejected->status == 400 || rejected->status == 413);
    FUZZ_CHECK(!rejected->message.empty());
    return 0;
  }
  const auto& events = std::get<std::vector<NewEvent>>(result);
  FUZZ_CHECK(!events.empty() && events.size() <= config.max_batch);
  for (const auto& event : events) check_event(event, config);
  return 0;
}
