#pragma once
// The files of the web pages: which URL path names which file, its type, its bytes and ETag.

#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

struct PageFile {
  std::string body;
  std::string etag;               // "\"<hex>\"": a digest of the body
  std::string_view content_type;  // "text/html; charset=utf-8"
};

// "/" -> "index.html", "/test-call" -> "test-call.html", "/client.js" -> "client.js"; nullopt
// for a path that cannot name a page file (folders, dot files, unknown types).
std::optional<std::string> page_file_name(std::string_view path);

// The Content-Type of a file name accepted by page_file_name.
std::string_view page_content_type(std::string_view name);

// The file from `dir` when it is set (read per request, so edits show on reload), else the copy
// built into the binary; nullopt when there is none.
std::optional<PageFile> find_page_file(std::string_view name, const std::string& dir);

// Whether an If-None-Match value (a list of tags, possibly weak, or "*") names `etag`: the weak
// comparison of RFC 9110 section 13.1.2, as a GET's revalidation uses.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace voxgate
