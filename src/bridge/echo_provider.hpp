#pragma once
// [vapi] provider = "echo": a voice agent inside voxgate for trying the browser test call
// without a Vapi account. It plays the browser's audio back and says, in transcript messages
// shaped like Vapi's, how long and how loud it heard you.

#include <memory>

#include "bridge/voice_provider.hpp"

namespace voxgate {

std::unique_ptr<VoiceProvider> make_echo_provider();

}  // namespace voxgate
