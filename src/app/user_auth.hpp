#pragma once
// The user behind an API request: "Authorization: Bearer <JWT>", checked like a live-calls
// subscription (protocol section 7).

#include <variant>

#include "auth/token_check.hpp"
#include "net/http.hpp"
#include "net/settings.hpp"

namespace voxgate {

// The identity, or the 401 to answer.
std::variant<UserIdentity, HttpResponse> authenticate_user(const HttpRequest& req,
                                                           const Settings& settings);

}  // namespace voxgate
