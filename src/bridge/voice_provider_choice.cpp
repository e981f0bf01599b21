#include "bridge/voice_provider_choice.hpp"

#include "bridge/echo_provider.hpp"
#include "bridge/vapi_provider.hpp"

namespace voxgate {

std::unique_ptr<VoiceProvider> make_voice_provider(const VapiConfig& vapi) {
  bool use_vapi = vapi.provider == "vapi" || (vapi.provider.empty() && !vapi.api_key.empty());
  if (use_vapi) return make_vapi_provider(vapi);
  return make_echo_provider();
}

}  // namespace voxgate
