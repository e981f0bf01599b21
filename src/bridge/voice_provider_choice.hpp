#pragma once
// Which provider answers browser test calls: [vapi] provider, or Vapi when an API key is set
// and the echo agent otherwise, so a fresh install can try a call at once.

#include <memory>

#include "bridge/voice_provider.hpp"
#include "config/config.hpp"

namespace voxgate {

std::unique_ptr<VoiceProvider> make_voice_provider(const VapiConfig& vapi);

}  // namespace voxgate
