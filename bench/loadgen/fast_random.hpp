#pragma once
// xorshift64*: masking keys and handshake nonces by the tens of thousands without a syscall
// each. Not for secrets; the benchmark's traffic never leaves the machine.

#include <sys/random.h>

#include <cstdint>

namespace loadgen {

class FastRandom {
 public:
  FastRandom() {
    if (getrandom(&state_, sizeof state_, 0) != sizeof state_ || state_ == 0)
      state_ = 0x9E3779B97F4A7C15ull;
  }
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }

 private:
  std::uint64_t state_ = 0;
};

}  // namespace loadgen
