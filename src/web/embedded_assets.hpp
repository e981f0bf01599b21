#pragma once
// The files of web/, built into the binary by cmake/embed_web.cmake.

#include <span>
#include <string_view>

namespace voxgate {

struct EmbeddedFile {
  std::string_view name;  // "index.html", "client.js": flat, no folders
  std::string_view body;
};

std::span<const EmbeddedFile> embedded_web_files();

}  // namespace voxgate
