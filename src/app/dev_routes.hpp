#pragma once
// Development helpers for the pages: GET /api/dev says whether the "development token" button
// may show; POST /api/dev/token mints a token, only with [dev] enabled = true.

#include <vector>

#include "net/router.hpp"

namespace voxgate {

std::vector<HttpRoute> make_dev_routes();

}  // namespace voxgate
