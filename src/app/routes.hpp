#pragma once
// Every route voxgate serves, in one place.

#include "net/router.hpp"

namespace voxgate {

Router make_router();

}  // namespace voxgate
