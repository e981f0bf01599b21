#include "bridge/provider_transcript.hpp"

#include <boost/json/parse.hpp>

namespace voxgate {

std::optional<SpokenLine> provider_transcript(std::string_view text, std::string_view call_id,
                                              std::string_view tracking_id,
                                              std::string_view user_id, std::int64_t now_ms) {
  // Cheap test first: most text frames are not transcripts.
  if (text.find("transcript") == std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  boost::json::parse_options limits;
  limits.max_depth = 32;
  auto value = boost::json::parse(text, ec, {}, limits);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& m = value.as_object();
  const auto* type = m.if_contains("type");
  if (!type || !type->is_string()) return std::nullopt;
  std::string_view t = type->get_string();
  bool finals_only = t == "transcript[transcriptType=\"final\"]";
  if (t != "transcript" && !finals_only) return std::nullopt;
  const auto* role = m.if_contains("role");
  const auto* words = m.if_contains("transcript");
  if (!role || !role->is_string() || !words || !words->is_string()) return std::nullopt;
  std::string_view speaker = role->get_string() == "assistant" ? "agent"
                             : role->get_string() == "user"    ? "customer"
                                                               : "";
  if (speaker.empty()) return std::nullopt;
  bool is_final = finals_only;
  if (const auto* kind = m.if_contains("transcriptType"); kind && kind->is_string())
    is_final = kind->get_string() == "final";
  SpokenLine line;
  line.is_final = is_final;
  line.speaker = speaker;
  line.text = words->get_string();
  line.event = {{"type", "transcript"}, {"vapiCallId", call_id}, {"trackingId", tracking_id},
                {"userId", user_id},    {"speaker", speaker},    {"text", line.text},
                {"is_final", is_final}, {"ts", now_ms}};
  return line;
}

}  // namespace voxgate
