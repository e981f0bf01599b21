#include "webhook_deliveries.hpp"

namespace loadgen {

void WebhookDeliveries::begin_step() {
  received_ = misrouted_ = foreign_ = 0;
  latency_.clear();
}

void WebhookDeliveries::on_message(std::uint32_t receiver_org, std::string_view text,
                                   std::int64_t now) {
  std::optional<CallRef> call = find_call_ref(text, traffic_.run_id());
  if (!call) {
    ++foreign_;
    return;
  }
  ++received_;
  if (call->org != receiver_org) ++misrouted_;
  // A call's next message leaves only after this one is answered and every other call had its
  // turn, so the call's latest message is the one this event comes from.
  if (auto sent = traffic_.events_sent_ns(*call)) latency_.record(now - *sent);
}

}  // namespace loadgen
