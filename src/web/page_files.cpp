#include "web/page_files.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "web/embedded_assets.hpp"

namespace voxgate {
namespace {

constexpr std::size_t kMaxFileBytes = 4 * 1024 * 1024;

struct Type {
  std::string_view extension;
  std::string_view content_type;
};
constexpr Type kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
};

std::string etag_of(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), digest.data(), &size, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (unsigned int i = 0; i < 16 && i < size; ++i) {  // 128 bits tell versions apart
    tag += hex[digest[i] >> 4];
    tag += hex[digest[i] & 15];
  }
  return tag + "\"";
}

// Built once: the embedded files and their ETags.
const std::map<std::string, PageFile, std::less<>>& embedded() {
  static const auto files = [] {
    std::map<std::string, PageFile, std::less<>> out;
    for (const auto& f : embedded_web_files())
      out.emplace(std::string(f.name),
                  PageFile{std::string(f.body), etag_of(f.body), page_content_type(f.name)});
    return out;
  }();
  return files;
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string body(kMaxFileBytes + 1, '\0');
  in.read(body.data(), static_cast<std::streamsize>(body.size()));
  if (in.bad() || static_cast<std::size_t>(in.gcount()) > kMaxFileBytes) return std::nullopt;
  body.resize(static_cast<std::size_t>(in.gcount()));
  return body;
}

}  // namespace

std::string_view page_content_type(std::string_view name) {
  for (const auto& t : kTypes)
    if (name.ends_with(t.extension)) return t.content_type;
  return {};
}

std::optional<std::string> page_file_name(std::string_view path) {
  if (path == "/") return "index.html";
  if (path == "/test-call") return "test-call.html";
  if (path.size() < 2 || path.size() > 100 || path[0] != '/') return std::nullopt;
  std::string_view name = path.substr(1);
  // Flat names only: no folders, no dot files, nothing a file system could read as a path.
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return std::nullopt;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return std::nullopt;
  if (name.find("..") != std::string_view::npos || page_content_type(name).empty())
    return std::nullopt;
  return std::string(name);
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  while (!if_none_match.empty()) {
    auto comma = if_none_match.find(',');
    auto tag = if_none_match.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<PageFile> find_page_file(std::string_view name, const std::string& dir) {
  if (dir.empty()) {
    const auto& files = embedded();
    auto it = files.find(name);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  auto body = read_small_file(dir + "/" + std::string(name));
  if (!body) return std::nullopt;
  auto etag = etag_of(*body);
  return PageFile{std::move(*body), std::move(etag), page_content_type(name)};
}

}  // namespace voxgate
