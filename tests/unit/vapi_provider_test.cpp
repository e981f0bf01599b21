// The Vapi provider client: the POST /call body, reading Vapi's answers, the transport rule
// for provider URLs, and real sockets against a small fake Vapi on 127.0.0.1.
#include "bridge/vapi_provider.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "bridge/provider_transport.hpp"
#include "bridge/provider_url.hpp"
#include "bridge/vapi_call_client.hpp"
#include "bridge/vapi_call_request.hpp"
#include "bridge/vapi_upstream.hpp"

namespace voxgate {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const std::string kApiKey = "sk-test-9f2c41d7e85a4b6c-never-shown";

const std::string kCreated = R"({
  "id": "7420f27a-30fd-4f49-a995-5549ae7cc00d",
  "assistantId": "5b0a4a08-133c-4146-9315-0984f8c6be80",
  "type": "vapi.websocketCall",
  "status": "queued",
  "transport": {
    "provider": "vapi.websocket",
    "websocketCallUrl": "wss://api.vapi.ai/7420f27a-30fd-4f49-a995-5549ae7cc00d/transport"
  }
})";

ProviderCallRequest sample_request() {
  return {.assistant_id = "5b0a4a08-133c-4146-9315-0984f8c6be80",
          .org_id = "org-1",
          .user_id = "user-1",
          .tracking_id = "0b7c5e0e-4f8a-4c7e-9d59-3f1e2a6b8c01"};
}

ProviderError error_of(const CreateCallResult& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) return *error;
  ADD_FAILURE() << "expected a ProviderError, got call " << std::get<ProviderCall>(result).call_id;
  return {};
}

// ---- the request body and Vapi's answers -------------------------------------------------

TEST(VapiCallRequest, BodyIsProtocolSection5Item1) {
  const json::value expected = json::parse(R"({
    "assistantId": "5b0a4a08-133c-4146-9315-0984f8c6be80",
    "transport": {"provider": "vapi.websocket",
                  "audioFormat": {"format": "pcm_s16le", "container": "raw", "sampleRate": 16000}},
    "assistantOverrides": {"metadata": {"orgId": "org-1", "userId": "user-1",
                                        "trackingId": "0b7c5e0e-4f8a-4c7e-9d59-3f1e2a6b8c01"}}
  })");
  EXPECT_EQ(json::parse(vapi_call_body(sample_request())), expected);
}

TEST(VapiCallRequest, BodyWithoutAssistantLeavesItOut) {
  ProviderCallRequest request = sample_request();
  request.assistant_id.clear();
  EXPECT_FALSE(json::parse(vapi_call_body(request)).as_object().contains("assistantId"));
}

TEST(VapiCallRequest, TargetJoinsBasePath) {
  struct Case {
    std::string_view base, target;
  };
  for (const Case& c : {Case{"/", "/call"}, Case{"/v1", "/v1/call"}, Case{"/v1/", "/v1/call"},
                        Case{"/v1?x=1", "/v1/call?x=1"}}) {
    EXPECT_EQ(vapi_call_target(c.base), c.target) << c.base;
  }
}

TEST(VapiCallRequest, CreatedCallGivesIdAndSocketUrl) {
  auto result = parse_vapi_call_response(201, kCreated);
  ASSERT_TRUE(std::holds_alternative<ProviderCall>(result));
  const auto& call = std::get<ProviderCall>(result);
  EXPECT_EQ(call.call_id, "7420f27a-30fd-4f49-a995-5549ae7cc00d");
  EXPECT_EQ(call.websocket_url, "wss://api.vapi.ai/7420f27a-30fd-4f49-a995-5549ae7cc00d/transport");
}

TEST(VapiCallRequest, SuccessWithoutAFieldNamesIt) {
  struct Case {
    std::string_view body, names;
  };
  const Case cases[] = {
      {R"({"transport":{"websocketCallUrl":"wss://x/y"}})", "\"id\""},
      {R"({"id":"","transport":{"websocketCallUrl":"wss://x/y"}})", "\"id\""},
      {R"({"id":"c1"})", "transport.websocketCallUrl"},
      {R"({"id":"c1","transport":{"provider":"vapi.websocket"}})", "transport.websocketCallUrl"},
      {R"({"id":"c1","transport":{"websocketCallUrl":7}})", "transport.websocketCallUrl"},
      {R"(not json)", "not a JSON object"},
      {R"([1,2])", "not a JSON object"},
  };
  for (const Case& c : cases) {
    const ProviderError error = error_of(parse_vapi_call_response(201, c.body));
    EXPECT_EQ(error.status, 502) << c.body;
    EXPECT_NE(error.message.find(c.names), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("201"), std::string::npos) << error.message;
  }
}

TEST(VapiCallRequest, ErrorsCarryStatusAndVapisMessage) {
  struct Case {
    unsigned status;
    std::string_view body, message;
  };
  const Case cases[] = {
      {400,
       R"({"message":["assistantId must be a UUID","name must be shorter"],"error":"Bad Request","statusCode":400})",
       "Vapi answered 400 Bad Request: assistantId must be a UUID; name must be shorter"},
      {400, R"({"message":"Couldn't Get Assistant.","error":"Bad Request","statusCode":400})",
       "Vapi answered 400 Bad Request: Couldn't Get Assistant."},
      {401, R"({"message":"Invalid Key.","statusCode":401})",
       "Vapi answered 401 Unauthorized: Invalid Key."},
      {500, R"({"statusCode":500,"message":"Internal server error"})",
       "Vapi answered 500 Internal Server Error: Internal server error"},
      {500, "upstream connect error\nreset reason: overflow",
       "Vapi answered 500 Internal Server Error: upstream connect error"},
      {403, "error code: 1010", "Vapi answered 403 Forbidden: error code: 1010"},
      {502, "", "Vapi answered 502 Bad Gateway"},
      {302, "", "Vapi answered 302 Found"},
  };
  for (const Case& c : cases) {
    const ProviderError error = error_of(parse_vapi_call_response(c.status, c.body));
    EXPECT_EQ(error.status, 502);
    EXPECT_EQ(error.message, c.message);
  }
}

TEST(VapiCallRequest, ProviderTextIsBoundedAndOnOneLine) {
  const std::string huge = R"({"message":")" + std::string(100'000, 'a') + R"("})";
  const ProviderError error = error_of(parse_vapi_call_response(400, huge));
  EXPECT_LE(error.message.size(), kProviderMessageLimit + 40);
  EXPECT_TRUE(error.message.ends_with("...")) << error.message;

  EXPECT_EQ(provider_text("a\r\nb\x01"
                          "c"),
            "a  b c");
  // "é" is two bytes: a cut inside it backs off to the character's start.
  EXPECT_EQ(provider_text("ab\xC3\xA9", 3), "ab...");
}

TEST(VapiCallRequest, SecretsAreRedacted) {
  EXPECT_EQ(without_secret("Bearer k1 and k1", "k1"), "Bearer [redacted] and [redacted]");
  EXPECT_EQ(without_secret("nothing", ""), "nothing");
  const std::string body = R"({"message":"Invalid key )" + kApiKey + R"("})";
  EXPECT_EQ(without_secret(body, kApiKey).find(kApiKey), std::string::npos);
}

TEST(VapiCallRequest, TimeoutTextNamesTheWait) {
  EXPECT_EQ(vapi_timeout_message(Millis{30'000}), "Vapi did not answer within 30 s");
  EXPECT_EQ(seconds_text(Millis{300}), "0.3 s");
  EXPECT_EQ(seconds_text(Millis{1'500}), "1.5 s");
}

// ---- URL rules -----------------------------------------------------------------------------

TEST(ProviderUrl, LoopbackHosts) {
  for (std::string_view host : {"127.0.0.1", "127.255.0.9", "::1", "localhost", "LocalHost",
                                "::ffff:127.0.0.1", "localhost."}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (std::string_view host : {"128.0.0.1", "10.0.0.1", "0.0.0.0", "::", "example.com",
                                "localhost.example.com", "127.0.0.1.nip.io", ""}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(ProviderUrl, AcceptedUrls) {
  struct Case {
    std::string_view text;
    ProviderUrlKind kind;
    bool tls;
    std::string_view host, port, host_header, target;
  };
  const auto http = ProviderUrlKind::http;
  const auto ws = ProviderUrlKind::websocket;
  const Case cases[] = {
      {"https://api.vapi.ai", http, true, "api.vapi.ai", "443", "api.vapi.ai", "/"},
      {"HTTPS://api.vapi.ai:8443/v1/", http, true, "api.vapi.ai", "8443", "api.vapi.ai:8443",
       "/v1/"},
      {"http://127.0.0.1:8080", http, false, "127.0.0.1", "8080", "127.0.0.1:8080", "/"},
      {"http://127.3.2.1", http, false, "127.3.2.1", "80", "127.3.2.1", "/"},
      {"http://localhost:9000/api", http, false, "localhost", "9000", "localhost:9000", "/api"},
      {"http://[::1]:9000", http, false, "::1", "9000", "[::1]:9000", "/"},
      {"wss://api.vapi.ai/c1/transport", ws, true, "api.vapi.ai", "443", "api.vapi.ai",
       "/c1/transport"},
      {"ws://127.0.0.1:7000/c1/transport?x=1", ws, false, "127.0.0.1", "7000", "127.0.0.1:7000",
       "/c1/transport?x=1"},
  };
  for (const Case& c : cases) {
    std::string error;
    auto url = parse_provider_url(c.text, c.kind, error);
    ASSERT_TRUE(url) << c.text << ": " << error;
    EXPECT_EQ(url->tls, c.tls) << c.text;
    EXPECT_EQ(url->host, c.host) << c.text;
    EXPECT_EQ(url->port, c.port) << c.text;
    EXPECT_EQ(url->host_header, c.host_header) << c.text;
    EXPECT_EQ(url->target, c.target) << c.text;
  }
}

TEST(ProviderUrl, RefusedUrlsSayWhy) {
  struct Case {
    std::string_view text;
    ProviderUrlKind kind;
    std::string_view says;
  };
  const auto http = ProviderUrlKind::http;
  const auto ws = ProviderUrlKind::websocket;
  const Case cases[] = {
      {"http://example.com", http, "use https://"},
      {"http://10.0.0.1:8080/", http, "loopback"},
      {"http://localhost.example.com", http, "loopback"},
      {"ws://example.com/secret-call/transport", ws, "use wss://"},
      {"not a url", http, "not an absolute URL"},
      {"", http, "not an absolute URL"},
      {"api.vapi.ai", http, "not an absolute URL"},
      {"ftp://api.vapi.ai", http, "is not https://"},
      {"wss://api.vapi.ai/x", http, "is not https://"},
      {"https://api.vapi.ai", ws, "is not wss://"},
      {"https://", http, "no host"},
      {"https://me:pw@api.vapi.ai", http, "user info"},
      {"https://api.vapi.ai/#top", http, "fragment"},
      {"https://api.vapi.ai:0", http, "port"},
      {"https://api.vapi.ai:99999", http, "port"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(parse_provider_url(c.text, c.kind, error)) << c.text;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.text << ": " << error;
    // The path of a call's socket URL is its capability: never repeated.
    EXPECT_EQ(error.find("secret-call"), std::string::npos) << error;
  }
}

// ---- a fake Vapi on 127.0.0.1 --------------------------------------------------------------

// Serves each accepted connection with `serve` on its own thread until destroyed.
class LoopbackServer {
 public:
  using Serve = std::function<asio::awaitable<void>(tcp::socket)>;

  explicit LoopbackServer(Serve serve)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        serve_(std::move(serve)) {
    asio::co_spawn(ioc_, accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~LoopbackServer() {
    ioc_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view scheme, std::string_view path = "") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(ioc_, serve_(std::move(socket)), asio::detached);
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  Serve serve_;
  std::thread thread_;
};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response answer(unsigned status, std::string body) {
  Response response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// A self-signed certificate made for one test: no file, no expiry to maintain.
class TestCertificate {
 public:
  explicit TestCertificate(const char* subject_alt_name) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("voxgate test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, subject_alt_name);
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());

    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(out, cert);
    cert_pem_ = drain(out);
    PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    key_pem_ = drain(out);
    BIO_free(out);
    X509_free(cert);
    EVP_PKEY_free(key);

    server_.use_certificate_chain(asio::buffer(cert_pem_));
    server_.use_private_key(asio::buffer(key_pem_), ssl::context::pem);
  }

  ssl::context& server() { return server_; }
  // A client context like the provider's, trusting this certificate as well.
  std::shared_ptr<ssl::context> trusted_client() const {
    auto tls = make_provider_tls();
    tls->add_certificate_authority(asio::buffer(cert_pem_));
    return tls;
  }

 private:
  static std::string drain(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(size));
    BIO_reset(bio);
    return text;
  }

  std::string cert_pem_, key_pem_;
  ssl::context server_{ssl::context::tls_server};
};

// Vapi's REST side: records each request and answers with `respond` (nothing: never answers).
// With a certificate it serves https and records the server name the client asked for.
class FakeVapiRest {
 public:
  using Respond = std::function<std::optional<Response>(const Request&)>;

  explicit FakeVapiRest(Respond respond, TestCertificate* tls = nullptr)
      : respond_(std::move(respond)),
        tls_(tls),
        server_([this](tcp::socket socket) { return serve(std::move(socket)); }) {}

  std::string base_url(std::string_view path = "") const {
    return server_.url(tls_ ? "https" : "http", path);
  }
  unsigned short port() const { return server_.port(); }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string server_name() {
    std::lock_guard lock(mutex_);
    return server_name_;
  }

 private:
  asio::awaitable<void> serve(tcp::socket socket) {
    if (!tls_) {
      co_await exchange(socket);
      co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), tls_->server());
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name)) {
      std::lock_guard lock(mutex_);
      server_name_ = name;
    }
    co_await exchange(stream);
  }

  template <class Stream>
  asio::awaitable<void> exchange(Stream& stream) {
    beast::flat_buffer buffer;
    Request request;
    auto [ec, n] =
        co_await http::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    if (auto response = respond_(request)) {
      co_await http::async_write(stream, *response, asio::as_tuple(asio::use_awaitable));
    } else {
      asio::steady_timer hold(co_await asio::this_coro::executor, 1h);
      co_await hold.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  Respond respond_;
  TestCertificate* tls_;
  std::mutex mutex_;
  std::vector<Request> requests_;
  std::string server_name_;
  LoopbackServer server_;  // last: stops before the state it serves goes away
};

VapiConfig config_for(const std::string& base_url) {
  VapiConfig config;
  config.api_key = kApiKey;
  config.base_url = base_url;
  config.assistant_id = "default-assistant";
  config.connect_timeout = Millis{2'000};
  config.request_timeout = Millis{5'000};
  return config;
}

// Runs create_call on a test-thread io_context; checks `done` ran once, on that thread.
CreateCallResult create_call(const VapiConfig& config,
                             const ProviderCallRequest& request = sample_request()) {
  auto provider = make_vapi_provider(config);
  EXPECT_EQ(provider->name(), "vapi");
  asio::io_context ioc;
  int calls = 0;
  CreateCallResult result;
  provider->create_call(request, ioc.get_executor(), [&](CreateCallResult r) {
    ++calls;
    EXPECT_TRUE(ioc.get_executor().running_in_this_thread());
    result = std::move(r);
  });
  EXPECT_EQ(calls, 0) << "done must not run inside create_call";
  ioc.run_for(10s);
  EXPECT_EQ(calls, 1);
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    EXPECT_EQ(error->message.find(kApiKey), std::string::npos) << error->message;
  }
  return result;
}

TEST(VapiProvider, CreatedCallOverTheWire) {
  FakeVapiRest vapi([](const Request&) { return answer(201, kCreated); });
  auto result = create_call(config_for(vapi.base_url("/v1/")));
  ASSERT_TRUE(std::holds_alternative<ProviderCall>(result)) << error_of(result).message;
  EXPECT_EQ(std::get<ProviderCall>(result).call_id, "7420f27a-30fd-4f49-a995-5549ae7cc00d");

  auto requests = vapi.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Request& sent = requests.front();
  EXPECT_EQ(sent.method(), http::verb::post);
  EXPECT_EQ(sent.target(), "/v1/call");
  EXPECT_EQ(sent[http::field::authorization], "Bearer " + kApiKey);
  EXPECT_EQ(sent[http::field::content_type], "application/json");
  EXPECT_TRUE(sent[http::field::user_agent].starts_with("voxgate/"));
  EXPECT_EQ(sent[http::field::host], "127.0.0.1:" + std::to_string(vapi.port()));
  EXPECT_EQ(json::parse(sent.body()), json::parse(vapi_call_body(sample_request())));
}

TEST(VapiProvider, DefaultAssistantWhenTheRequestNamesNone) {
  FakeVapiRest vapi([](const Request&) { return answer(201, kCreated); });
  ProviderCallRequest request = sample_request();
  request.assistant_id.clear();
  create_call(config_for(vapi.base_url()), request);
  auto requests = vapi.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests.front().target(), "/call");
  EXPECT_EQ(json::parse(requests.front().body()).at("assistantId"), "default-assistant");
}

TEST(VapiProvider, VapiRefusalIs502WithItsMessage) {
  FakeVapiRest vapi([](const Request&) {
    return answer(400, R"({"message":["assistantId must be a UUID"],"error":"Bad Request",)"
                       R"("statusCode":400})");
  });
  const ProviderError error = error_of(create_call(config_for(vapi.base_url())));
  EXPECT_EQ(error.status, 502);
  EXPECT_EQ(error.message, "Vapi answered 400 Bad Request: assistantId must be a UUID");
}

TEST(VapiProvider, VapiFailureIs502) {
  FakeVapiRest vapi([](const Request&) { return answer(500, R"({"message":"boom"})"); });
  const ProviderError error = error_of(create_call(config_for(vapi.base_url())));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("500"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("boom"), std::string::npos) << error.message;
}

TEST(VapiProvider, KeyQuotedBackByTheProviderIsRedacted) {
  FakeVapiRest vapi([](const Request& request) {
    return answer(401, R"({"message":"Invalid Key: )" +
                           std::string(request[http::field::authorization]) + R"("})");
  });
  const ProviderError error = error_of(create_call(config_for(vapi.base_url())));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("[redacted]"), std::string::npos) << error.message;
}

TEST(VapiProvider, SuccessWithoutSocketUrlIs502) {
  FakeVapiRest vapi([](const Request&) { return answer(201, R"({"id":"c1"})"); });
  const ProviderError error = error_of(create_call(config_for(vapi.base_url())));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("transport.websocketCallUrl"), std::string::npos);
}

TEST(VapiProvider, OversizedAnswerIs502) {
  FakeVapiRest vapi([](const Request&) { return answer(201, std::string(2 << 20, ' ')); });
  const ProviderError error = error_of(create_call(config_for(vapi.base_url())));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("1 MiB"), std::string::npos) << error.message;
}

TEST(VapiProvider, SilentProviderIs504) {
  FakeVapiRest vapi([](const Request&) { return std::nullopt; });
  VapiConfig config = config_for(vapi.base_url());
  config.request_timeout = Millis{300};
  const ProviderError error = error_of(create_call(config));
  EXPECT_EQ(error.status, 504);
  EXPECT_EQ(error.message, "Vapi did not answer within 0.3 s");
}

TEST(VapiProvider, NothingListeningIs502) {
  unsigned short port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  const ProviderError error =
      error_of(create_call(config_for("http://127.0.0.1:" + std::to_string(port))));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("cannot connect to 127.0.0.1:"), std::string::npos) << error.message;
}

TEST(VapiProvider, PlainHttpToTheNetworkIsRefused) {
  const ProviderError error = error_of(create_call(config_for("http://api.vapi.ai")));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("[vapi].base_url"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("use https://"), std::string::npos) << error.message;
}

TEST(VapiProvider, TlsFailureIs502) {
  // A plain-HTTP server behind an https:// URL: the handshake fails, nothing is sent in clear.
  FakeVapiRest vapi([](const Request&) { return answer(201, kCreated); });
  const ProviderError tls_error =
      error_of(create_call(config_for("https://127.0.0.1:" + std::to_string(vapi.port()))));
  EXPECT_EQ(tls_error.status, 502);
  EXPECT_NE(tls_error.message.find("TLS"), std::string::npos) << tls_error.message;
}

TEST(VapiProvider, MissingSettingsAreNamed) {
  VapiConfig config = config_for("https://api.vapi.ai");
  config.api_key.clear();
  EXPECT_NE(error_of(create_call(config)).message.find("VAPI_API_KEY"), std::string::npos);
  config = config_for("https://api.vapi.ai");
  config.assistant_id.clear();
  ProviderCallRequest request = sample_request();
  request.assistant_id.clear();
  EXPECT_NE(error_of(create_call(config, request)).message.find("VAPI_ASSISTANT_ID"),
            std::string::npos);
}

// ---- the call's socket ---------------------------------------------------------------------

struct Received {
  std::string data;
  bool binary = false;
  bool operator==(const Received&) const = default;
};

// Vapi's call socket: echoes every message with its kind; "close-please" makes it close
// 1000 "bye"; a request for /declined is answered 404. With a certificate it serves wss.
class FakeVapiSocket {
 public:
  explicit FakeVapiSocket(TestCertificate* tls = nullptr)
      : tls_(tls), server_([this](tcp::socket socket) { return serve(std::move(socket)); }) {}

  std::string url(std::string_view path = "/7420f27a/transport") const {
    return server_.url(tls_ ? "wss" : "ws", path);
  }
  unsigned short port() const { return server_.port(); }

  struct Seen {
    std::string authorization;
    std::vector<Received> messages;
    std::optional<websocket::close_reason> close;  // the client's close frame
    bool ended = false;
  };
  Seen seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  // Waits for the server side to finish its connection (it runs on another thread).
  Seen seen_when_ended() {
    for (int i = 0; i < 400; ++i) {
      if (auto s = seen(); s.ended) return s;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the fake Vapi socket never ended its connection";
    return seen();
  }

 private:
  asio::awaitable<void> serve(tcp::socket socket) {
    if (!tls_) {
      websocket::stream<tcp::socket> ws(std::move(socket));
      co_await converse(ws);
      co_return;
    }
    websocket::stream<ssl::stream<tcp::socket>> ws(std::move(socket), tls_->server());
    auto [ec] = co_await ws.next_layer().async_handshake(ssl::stream_base::server,
                                                         asio::as_tuple(asio::use_awaitable));
    if (!ec) co_await converse(ws);
  }

  template <class WebSocket>
  asio::awaitable<void> converse(WebSocket& ws) {
    beast::flat_buffer buffer;
    Request upgrade;
    auto [ec, n] = co_await http::async_read(ws.next_layer(), buffer, upgrade,
                                             asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    record([&](Seen& s) { s.authorization = upgrade[http::field::authorization]; });
    if (upgrade.target() == "/declined") {
      auto response = answer(404, R"({"message":"call not found"})");
      co_await http::async_write(ws.next_layer(), response, asio::as_tuple(asio::use_awaitable));
      record([](Seen& s) { s.ended = true; });
      co_return;
    }
    std::tie(ec) = co_await ws.async_accept(upgrade, asio::as_tuple(asio::use_awaitable));
    for (; !ec;) {
      beast::flat_buffer message;
      std::tie(ec, n) = co_await ws.async_read(message, asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      Received got{beast::buffers_to_string(message.data()), ws.got_binary()};
      record([&](Seen& s) { s.messages.push_back(got); });
      if (!got.binary && got.data == "close-please") {
        std::tie(ec) =
            co_await ws.async_close(websocket::close_reason(websocket::close_code::normal, "bye"),
                                    asio::as_tuple(asio::use_awaitable));
        break;
      }
      ws.binary(got.binary);
      std::tie(ec, n) =
          co_await ws.async_write(asio::buffer(got.data), asio::as_tuple(asio::use_awaitable));
    }
    record([&](Seen& s) {
      if (ec == websocket::error::closed) s.close = ws.reason();
      s.ended = true;
    });
  }

  template <class Change>
  void record(Change change) {
    std::lock_guard lock(mutex_);
    change(seen_);
  }

  TestCertificate* tls_;
  std::mutex mutex_;
  Seen seen_;
  LoopbackServer server_;  // last: stops before the state it serves goes away
};

class RecordingHandler : public UpstreamHandler {
 public:
  void on_upstream_open() override {
    ++opened;
    if (when_open) when_open();
  }
  void on_upstream_message(std::string_view data, bool binary) override {
    messages.push_back({std::string(data), binary});
    if (when_message) when_message(messages.back());
  }
  void on_upstream_closed(std::string reason) override { closed.push_back(std::move(reason)); }

  int opened = 0;
  std::vector<Received> messages;
  std::vector<std::string> closed;
  std::function<void()> when_open;
  std::function<void(const Received&)> when_message;
};

SharedPayload payload(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

const std::string kAudio("{\x00\x01\xff[audio", 10);  // looks like JSON, is not
const std::string kSay = R"({"type":"say","content":"hi"})";

TEST(VapiProviderSocket, RelaysBothKindsBothWaysUntilVapiCloses) {
  FakeVapiSocket vapi;
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  auto upstream = provider->connect({"c1", vapi.url()}, ioc.get_executor(), handler);
  // Sent before the socket opens: they wait, in order.
  upstream->send(payload(kAudio), true);
  upstream->send(payload(kSay), false);
  EXPECT_EQ(upstream->queued_bytes(), kAudio.size() + kSay.size());
  handler->when_message = [&](const Received&) {
    if (handler->messages.size() == 2) upstream->send(payload("close-please"), false);
  };
  ioc.run_for(10s);

  EXPECT_EQ(handler->opened, 1);
  const std::vector<Received> echoed{{kAudio, true}, {kSay, false}};
  EXPECT_EQ(handler->messages, echoed);
  ASSERT_EQ(handler->closed.size(), 1u);
  EXPECT_NE(handler->closed.front().find("1000 \"bye\""), std::string::npos)
      << handler->closed.front();
  EXPECT_EQ(handler->closed.front().find("7420f27a"), std::string::npos);
  EXPECT_EQ(upstream->queued_bytes(), 0u);

  auto seen = vapi.seen_when_ended();
  EXPECT_EQ(seen.authorization, "Bearer " + kApiKey);
  ASSERT_EQ(seen.messages.size(), 3u);
  EXPECT_EQ(seen.messages[0], echoed[0]);
  EXPECT_EQ(seen.messages[1], echoed[1]);
}

TEST(VapiProviderSocket, CloseSendsQueuedFramesThenCloseFrame) {
  FakeVapiSocket vapi;
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  std::shared_ptr<Upstream> upstream =
      provider->connect({"c1", vapi.url()}, ioc.get_executor(), handler);
  handler->when_open = [&] {
    upstream->send(payload(R"({"type":"end-call"})"), false);
    upstream->close();
    upstream->send(payload("after close: dropped"), false);
  };
  ioc.run_for(10s);

  EXPECT_EQ(handler->opened, 1);
  EXPECT_EQ(handler->closed, std::vector<std::string>{"closed by voxgate"});
  auto seen = vapi.seen_when_ended();
  ASSERT_EQ(seen.messages.size(), 1u);
  EXPECT_EQ(seen.messages[0].data, R"({"type":"end-call"})");
  ASSERT_TRUE(seen.close);
  EXPECT_EQ(seen.close->code, 1000);
}

TEST(VapiProviderSocket, DroppingTheUpstreamClosesIt) {
  FakeVapiSocket vapi;
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  auto upstream = provider->connect({"c1", vapi.url()}, ioc.get_executor(), handler);
  handler->when_open = [&] { upstream.reset(); };
  ioc.run_for(10s);
  EXPECT_EQ(handler->closed.size(), 1u);
  auto seen = vapi.seen_when_ended();
  ASSERT_TRUE(seen.close);
  EXPECT_EQ(seen.close->code, 1000);
}

TEST(VapiProviderSocket, NoCallbacksOnceTheHandlerIsGone) {
  FakeVapiSocket vapi;
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  auto upstream = provider->connect({"c1", vapi.url()}, ioc.get_executor(), handler);
  upstream->send(payload("queued before the handler went"), false);
  std::weak_ptr<RecordingHandler> watch = handler;
  handler.reset();
  ioc.run_for(10s);
  EXPECT_TRUE(watch.expired());
  auto seen = vapi.seen_when_ended();
  ASSERT_TRUE(seen.close) << "the socket is closed once nobody listens";
  EXPECT_EQ(seen.close->code, 1000);
}

TEST(VapiProviderSocket, RefusedUpgradeReportsStatusOnce) {
  FakeVapiSocket vapi;
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  auto upstream = provider->connect({"c1", vapi.url("/declined")}, ioc.get_executor(), handler);
  upstream->send(payload("never sent"), true);
  ioc.run_for(10s);
  EXPECT_EQ(handler->opened, 0);
  ASSERT_EQ(handler->closed.size(), 1u);
  EXPECT_NE(handler->closed.front().find("404"), std::string::npos) << handler->closed.front();
  EXPECT_EQ(handler->closed.front().find(kApiKey), std::string::npos);
  EXPECT_EQ(upstream->queued_bytes(), 0u);
}

TEST(VapiProviderSocket, PlainSocketToTheNetworkIsRefused) {
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  auto upstream = provider->connect({"c1", "ws://example.com/secret-call/transport"},
                                    ioc.get_executor(), handler);
  EXPECT_TRUE(handler->closed.empty()) << "reported from the executor, not inside connect";
  ioc.run_for(10s);
  EXPECT_EQ(handler->opened, 0);
  ASSERT_EQ(handler->closed.size(), 1u);
  EXPECT_NE(handler->closed.front().find("use wss://"), std::string::npos)
      << handler->closed.front();
  EXPECT_EQ(handler->closed.front().find("secret-call"), std::string::npos);
}

// ---- TLS: the system CA store, SNI and the certificate's names ------------------------------

std::shared_ptr<const ProviderAccess> access_trusting(const TestCertificate& cert) {
  auto access = std::make_shared<ProviderAccess>();
  access->api_key = kApiKey;
  access->tls = cert.trusted_client();
  access->connect_timeout = Millis{2'000};
  access->request_timeout = Millis{5'000};
  return access;
}

CreateCallResult call_with(std::shared_ptr<const ProviderAccess> access,
                           const std::string& base_url) {
  std::string error;
  auto base = parse_provider_url(base_url, ProviderUrlKind::http, error);
  EXPECT_TRUE(base) << error;
  asio::io_context ioc;
  CreateCallResult result;
  start_vapi_call(std::move(access), *base, vapi_call_body(sample_request()), ioc.get_executor(),
                  [&](CreateCallResult r) { result = std::move(r); });
  ioc.run_for(10s);
  return result;
}

std::string localhost_url(unsigned short port) {
  return "https://localhost:" + std::to_string(port);
}

TEST(VapiProviderTls, UntrustedCertificateIsRefused) {
  TestCertificate cert("DNS:localhost");
  FakeVapiRest vapi([](const Request&) { return answer(201, kCreated); }, &cert);
  const ProviderError error = error_of(create_call(config_for(localhost_url(vapi.port()))));
  EXPECT_EQ(error.status, 502);
  EXPECT_NE(error.message.find("certificate of localhost was refused"), std::string::npos)
      << error.message;
  EXPECT_TRUE(vapi.requests().empty()) << "nothing is sent to an unverified server";
}

TEST(VapiProviderTls, TrustedCertificateForTheNameWithSni) {
  TestCertificate cert("DNS:localhost");
  FakeVapiRest vapi([](const Request&) { return answer(201, kCreated); }, &cert);
  auto result = call_with(access_trusting(cert), localhost_url(vapi.port()));
  ASSERT_TRUE(std::holds_alternative<ProviderCall>(result)) << error_of(result).message;
  EXPECT_EQ(vapi.server_name(), "localhost");
  ASSERT_EQ(vapi.requests().size(), 1u);
  EXPECT_EQ(vapi.requests().front()[http::field::authorization], "Bearer " + kApiKey);
}

TEST(VapiProviderTls, CertificateForAnotherNameIsRefused) {
  TestCertificate other_name("DNS:gateway.invalid");
  FakeVapiRest by_name([](const Request&) { return answer(201, kCreated); }, &other_name);
  const ProviderError name_error =
      error_of(call_with(access_trusting(other_name), localhost_url(by_name.port())));
  EXPECT_NE(name_error.message.find("certificate of localhost was refused"), std::string::npos)
      << name_error.message;

  TestCertificate name_only("DNS:localhost");
  FakeVapiRest by_address([](const Request&) { return answer(201, kCreated); }, &name_only);
  const ProviderError address_error = error_of(call_with(
      access_trusting(name_only), "https://127.0.0.1:" + std::to_string(by_address.port())));
  EXPECT_NE(address_error.message.find("certificate of 127.0.0.1 was refused"), std::string::npos)
      << address_error.message;
  EXPECT_TRUE(by_name.requests().empty());
  EXPECT_TRUE(by_address.requests().empty());
}

TEST(VapiProviderTls, SecureCallSocketRelaysAndCloses) {
  TestCertificate cert("DNS:localhost");
  FakeVapiSocket vapi(&cert);
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  const std::string url = "wss://localhost:" + std::to_string(vapi.port()) + "/c1/transport";
  auto upstream =
      open_vapi_upstream(access_trusting(cert), {"c1", url}, ioc.get_executor(), handler);
  upstream->send(payload(kAudio), true);
  handler->when_message = [&](const Received&) { upstream->close(); };
  ioc.run_for(10s);
  EXPECT_EQ(handler->opened, 1);
  EXPECT_EQ(handler->messages, (std::vector<Received>{{kAudio, true}}));
  EXPECT_EQ(handler->closed, std::vector<std::string>{"closed by voxgate"});
  auto seen = vapi.seen_when_ended();
  EXPECT_EQ(seen.authorization, "Bearer " + kApiKey);
  ASSERT_TRUE(seen.close);
  EXPECT_EQ(seen.close->code, 1000);
}

TEST(VapiProviderTls, UntrustedCallSocketIsRefused) {
  TestCertificate cert("DNS:localhost");
  FakeVapiSocket vapi(&cert);
  auto provider = make_vapi_provider(config_for("https://api.vapi.ai"));
  asio::io_context ioc;
  auto handler = std::make_shared<RecordingHandler>();
  const std::string url = "wss://localhost:" + std::to_string(vapi.port()) + "/c1/transport";
  auto upstream = provider->connect({"c1", url}, ioc.get_executor(), handler);
  ioc.run_for(10s);
  EXPECT_EQ(handler->opened, 0);
  ASSERT_EQ(handler->closed.size(), 1u);
  EXPECT_NE(handler->closed.front().find("certificate of localhost was refused"), std::string::npos)
      << handler->closed.front();
  EXPECT_EQ(handler->closed.front().find("/c1/transport"), std::string::npos);
}

}  // namespace
}  // namespace voxgate
