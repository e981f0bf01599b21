// JSON answers are valid UTF-8 whatever a request echoes into them (RFC 8259 section 8.1).
#include "app/json_response.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/json/parse.hpp>

#include "app/origin_check_route.hpp"
#include "net/utf8.hpp"

namespace voxgate {
namespace {

std::string string_field(const HttpResponse& res, std::string_view name) {
  boost::system::error_code ec;
  const auto body = boost::json::parse(res.body(), ec);
  EXPECT_FALSE(ec) << res.body();
  if (ec || !body.is_object() || !body.get_object().contains(name)) return {};
  return std::string(body.get_object().at(name).as_string());
}

TEST(ValidUtf8, ReplacesEachStrayByte) {
  EXPECT_EQ(with_valid_utf8("plain"), "plain");
  EXPECT_EQ(with_valid_utf8("caf\xC3\xA9 \xF0\x9F\x93\x9E"), "caf\xC3\xA9 \xF0\x9F\x93\x9E");
  EXPECT_EQ(with_valid_utf8("a\x8A"
                            "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(with_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "a cut sequence";
  EXPECT_EQ(with_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")
      << "a surrogate";
  EXPECT_EQ(with_valid_utf8(std::string("\0\xFF", 2)), std::string("\0\xEF\xBF\xBD", 4));
}

TEST(JsonResponse, BodyIsValidUtf8) {
  const auto res = json_response(http::status::ok, {{"origin", "https\x8A//evil.example"}});
  EXPECT_TRUE(is_valid_utf8(res.body()));
  EXPECT_EQ(string_field(res, "origin"), "https\xEF\xBF\xBD//evil.example");
}

// Found by tests/fuzz/http_router_fuzz.cpp (the exact request): the percent-decoded origin
// "https\x8A//evil.example" was echoed into the JSON answer as it was, which is not UTF-8.
TEST(OriginCheckRoute, AnswersValidJsonForAnOriginThatIsNotUtf8) {
  const std::string request =
      "GET /api/origin-check?origin=https%8A%2F%2Fevil.example HTTP/1.1\r\n"
      "Host: gw.voxanne.ai\r\n"
      "Origin: https:\xd1\xd0\x9a\x89\x96\x93\xd1\xa3"
      "xample\r\n\r\n";
  http::request_parser<http::string_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(request), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());

  Config config;
  config.origins.allow = {{"https://app.voxanne.ai", "[origins].allow"}};
  const Settings settings(config, nullptr);
  std::optional<HttpResponse> answer;
  make_origin_check_route().handler(parser.get(), settings,
                                    [&](HttpResponse res) { answer = std::move(res); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result(), http::status::ok);
  EXPECT_TRUE(is_valid_utf8(answer->body())) << answer->body();
  EXPECT_EQ(string_field(*answer, "origin"), "https\xEF\xBF\xBD//evil.example");
}

}  // namespace
}  // namespace voxgate
