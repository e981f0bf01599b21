#pragma once
// The web pages: the dashboard at /, the test call page at /test-call, their scripts and styles.

#include "net/router.hpp"

namespace voxgate {

// GET of a path that can name a page file; answers the file, or 404 when there is none.
HttpRoute make_page_route();

// Whether `path` can name a page file ("/", "/test-call", "/client.js"; not "/nope").
bool is_page_path(std::string_view path);

}  // namespace voxgate
