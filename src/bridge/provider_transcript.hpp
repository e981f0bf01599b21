#pragma once
// A provider's call-socket transcript message as the live `transcript` event (protocol
// section 5 item 3): assistant -> agent, user -> customer, transcriptType final -> is_final.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace voxgate {

struct SpokenLine {
  boost::json::object event;  // section 2's transcript event, without id and orgId
  bool is_final = false;
  std::string speaker, text;
};

// nullopt for anything that is not a transcript message (it is relayed, not published).
std::optional<SpokenLine> provider_transcript(std::string_view text, std::string_view call_id,
                                              std::string_view tracking_id,
                                              std::string_view user_id, std::int64_t now_ms);

}  // namespace voxgate
