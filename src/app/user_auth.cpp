#include "app/user_auth.hpp"

#include "app/json_response.hpp"
#include "auth/api_keys.hpp"
#include "auth/jwt.hpp"
#include "ops/clock.hpp"

namespace voxgate {

std::variant<UserIdentity, HttpResponse> authenticate_user(const HttpRequest& req,
                                                           const Settings& settings) {
  auto token = bearer_token(req[http::field::authorization]);
  if (token.empty()) {
    auto res = json_error(http::status::unauthorized,
                          "send the user's JWT as Authorization: Bearer <token>");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  TokenCheck check = settings.tokens->verify(token, unix_millis_now() / 1000);
  if (!check.identity)
    return json_error(http::status::unauthorized,
                      check.expired() ? "token expired" : "invalid token: " + check.detail);
  return std::move(*check.identity);
}

}  // namespace voxgate
