// CORS headers: an allowed origin gets them echoed, anything else gets no Access-Control-Allow-*.

#include "policy/cors.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {
namespace {

namespace http = boost::beast::http;

const OriginPolicy& policy() {
  static const OriginPolicy instance({{"https://voxanne.ai", "FRONTEND_URL"},
                                      {"https://*.voxanne.ai", "CORS_ORIGIN"},
                                      {"http://localhost:*", "[origins].allow"},
                                      {"null", "[origins].allow"}},
                                     true);
  return instance;
}

std::vector<std::string> allow_headers(const http::fields& res) {
  std::vector<std::string> names;
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.starts_with("access-control-allow") || name == "access-control-max-age") {
      names.push_back(name);
    }
  }
  return names;
}

struct CorsCase {
  std::optional<std::string> origin;
  bool allowed;
};

std::ostream& operator<<(std::ostream& out, const CorsCase& c) {
  return out << "origin " << (c.origin ? "\"" + *c.origin + "\"" : std::string("(none)"));
}

class CorsHeadersTest : public testing::TestWithParam<CorsCase> {
 protected:
  std::optional<std::string_view> origin() const {
    if (!GetParam().origin) return std::nullopt;
    return std::string_view(*GetParam().origin);
  }
};

TEST_P(CorsHeadersTest, ResponseHeaders) {
  http::response<http::empty_body> res;
  const OriginDecision d = policy().decide(origin());
  cors::add_response_headers(res, origin(), d);
  EXPECT_EQ(res[http::field::vary], "Origin");
  if (GetParam().allowed) {
    EXPECT_EQ(res[http::field::access_control_allow_origin], *GetParam().origin);
    EXPECT_EQ(res[http::field::access_control_allow_credentials], "true");
    EXPECT_EQ(allow_headers(res).size(), 2u);
  } else {
    EXPECT_TRUE(allow_headers(res).empty());
  }
}

TEST_P(CorsHeadersTest, PreflightHeaders) {
  http::response<http::empty_body> res;
  const OriginDecision d = policy().decide(origin());
  cors::add_preflight_headers(res, origin(), d);
  EXPECT_EQ(res[http::field::vary], "Origin");
  if (GetParam().allowed) {
    EXPECT_EQ(res[http::field::access_control_allow_origin], *GetParam().origin);
    EXPECT_EQ(res[http::field::access_control_allow_credentials], "true");
    EXPECT_EQ(res[http::field::access_control_allow_methods], "GET, POST, OPTIONS");
    EXPECT_EQ(res[http::field::access_control_allow_headers],
              "Content-Type, Authorization, x-request-id");
    EXPECT_EQ(res[http::field::access_control_max_age], "600");
  } else {
    EXPECT_TRUE(allow_headers(res).empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    CorsCases, CorsHeadersTest,
    testing::Values(CorsCase{"https://voxanne.ai", true}, CorsCase{"https://www.voxanne.ai", true},
                    CorsCase{"HTTPS://WWW.VOXANNE.AI:443", true},  // echoed as sent, not rewritten
                    CorsCase{"http://localhost:3000", true}, CorsCase{"null", true},
                    CorsCase{"https://evilvoxanne.ai", false},
                    CorsCase{"https://voxanne.ai.evil.com", false},
                    CorsCase{"https://voxanne.ai/", false}, CorsCase{"", false},
                    CorsCase{std::nullopt, false}));  // no Origin: not a CORS request

TEST(CorsHeaders, NeverWildcard) {
  http::response<http::empty_body> res;
  cors::add_preflight_headers(res, "https://voxanne.ai", policy().decide("https://voxanne.ai"));
  EXPECT_NE(res[http::field::access_control_allow_origin], "*");
}

TEST(CorsHeaders, DeniedOriginClearsEarlierAllowHeaders) {
  http::response<http::empty_body> res;
  res.set(http::field::access_control_allow_origin, "*");
  res.set(http::field::access_control_allow_credentials, "true");
  cors::add_response_headers(res, "https://evil.com", policy().decide("https://evil.com"));
  EXPECT_TRUE(allow_headers(res).empty());
}

TEST(CorsHeaders, VaryIsMergedNotReplaced) {
  http::response<http::empty_body> res;
  res.set(http::field::vary, "Accept-Encoding");
  cors::add_response_headers(res, "https://voxanne.ai", policy().decide("https://voxanne.ai"));
  EXPECT_EQ(res[http::field::vary], "Accept-Encoding, Origin");

  http::response<http::empty_body> already;
  already.set(http::field::vary, "accept-encoding, origin");
  cors::add_response_headers(already, "https://voxanne.ai", policy().decide("https://voxanne.ai"));
  EXPECT_EQ(already[http::field::vary], "accept-encoding, origin");
}

TEST(CorsPreflight, Detection) {
  http::request<http::empty_body> req{http::verb::options, "/api/events", 11};
  EXPECT_FALSE(cors::is_preflight(req));
  req.set(http::field::access_control_request_method, "POST");
  EXPECT_TRUE(cors::is_preflight(req));
  req.method(http::verb::get);
  EXPECT_FALSE(cors::is_preflight(req));
}

}  // namespace
}  // namespace voxgate
