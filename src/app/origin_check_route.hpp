#pragma once
// GET /api/origin-check?origin=<origin>: the origin policy's decision as JSON, for any page.
// A browser cannot read the 403 body of a refused WebSocket upgrade (it shows close code 1006),
// so the browser client asks here and shows the refusal in words.

#include "net/router.hpp"

namespace voxgate {

HttpRoute make_origin_check_route();

}  // namespace voxgate
