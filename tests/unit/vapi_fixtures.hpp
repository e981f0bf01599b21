#pragma once
// The Vapi server-message bodies in tests/fixtures/vapi/, read as raw bytes.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace voxgate::test {

inline std::string vapi_fixture(const std::string& name) {
  std::ifstream in(std::string(VOXGATE_SOURCE_DIR) + "/tests/fixtures/vapi/" + name,
                   std::ios::binary);
  if (!in) ADD_FAILURE() << "no fixture tests/fixtures/vapi/" << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace voxgate::test
