#include "call_script.hpp"

namespace loadgen {

MessageKind CallScript::kind_at(int index) const {
  if (index < 2) return MessageKind::status;
  if (index == length() - 1) return MessageKind::report;
  return MessageKind::transcript;
}

void CallScript::append(std::string& body, const BenchCall& call, int index,
                        std::int64_t ts_ms) const {
  switch (kind_at(index)) {
    case MessageKind::status:
      return append_status_update(body, call, index == 0 ? "ringing" : "in-progress", ts_ms);
    case MessageKind::report:
      return append_end_of_call_report(body, call, utterances, ts_ms);
    case MessageKind::transcript: {
      const int line = (index - 2) / (partials + 1);
      const int part = (index - 2) % (partials + 1);
      const bool final = part == partials;
      const std::string_view text = utterance(call.number, line);
      return append_transcript(body, call, line % 2 == 0, final,
                               final ? text : partial_of(text, part, partials), ts_ms);
    }
  }
}

int live_events_of(MessageKind kind) {
  return kind == MessageKind::report ? 2 : 1;
}

const char* kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::status:
      return "status";
    case MessageKind::transcript:
      return "transcript";
    case MessageKind::report:
      return "report";
  }
  return "?";
}

}  // namespace loadgen
