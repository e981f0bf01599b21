// WebSocket framing: client frames built here byte by byte from RFC 6455 section 5.2, parsed in
// one piece and split at every byte; server headers compared with the RFC's own examples.

#include "net/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/utf8.hpp"
#include "net/ws_handshake.hpp"

namespace voxgate::ws {
namespace {

struct Event {
  std::string kind;  // message-text, message-binary, ping, pong, close
  std::string data;
  std::optional<std::uint16_t> code;
  bool operator==(const Event&) const = default;
};

class Recorder : public FrameSink {
 public:
  std::vector<Event> events;
  void on_ws_message(std::string_view data, bool binary) override {
    events.push_back({binary ? "message-binary" : "message-text", std::string(data), {}});
  }
  void on_ws_ping(std::string_view p) override { events.push_back({"ping", std::string(p), {}}); }
  void on_ws_pong(std::string_view p) override { events.push_back({"pong", std::string(p), {}}); }
  void on_ws_close(std::optional<std::uint16_t> code, std::string_view reason) override {
    events.push_back({"close", std::string(reason), code});
  }
};

// A masked client frame, as a browser would send it.
std::string client_frame(std::uint8_t opcode, std::string_view payload, bool fin = true,
                         std::uint8_t rsv = 0, bool mask = true) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | opcode));
  std::uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
  }
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};  // the RFC's example key
  if (mask) out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason = "") {
  return client_frame(0x8, close_payload(code, reason));
}

struct Parsed {
  std::vector<Event> events;
  std::optional<std::uint16_t> failure;
  std::size_t used = 0;
};

Parsed parse_all(std::string input, std::size_t max_message = 1 << 20) {
  FrameParser parser(max_message);
  Recorder sink;
  Parsed out;
  out.used = parser.parse(input.data(), input.size(), sink);
  out.events = sink.events;
  if (parser.failure()) out.failure = parser.failure()->code;
  return out;
}

// Feeds the input split at every position, keeping unconsumed bytes like the session does.
std::vector<Event> parse_split(const std::string& input, std::size_t split) {
  FrameParser parser(1 << 20);
  Recorder sink;
  std::string pending;
  for (std::size_t pos = 0; pos < input.size(); pos += split) {
    pending += input.substr(pos, split);
    std::size_t used = parser.parse(pending.data(), pending.size(), sink);
    pending.erase(0, used);
    EXPECT_FALSE(parser.failure());
  }
  EXPECT_TRUE(pending.empty());
  return sink.events;
}

TEST(WsFrame, ServerHeadersMatchRfcExamples) {
  unsigned char h[kMaxHeaderBytes];
  ASSERT_EQ(encode_header(Opcode::text, 5, h), 2u);  // RFC 6455 5.7 "Hello"
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 0x05);
  ASSERT_EQ(encode_header(Opcode::binary, 256, h), 4u);  // RFC 6455 5.7 256 bytes
  EXPECT_EQ((std::vector<int>{h[0], h[1], h[2], h[3]}), (std::vector<int>{0x82, 0x7E, 0x01, 0x00}));
  ASSERT_EQ(encode_header(Opcode::binary, 65536, h), 10u);  // RFC 6455 5.7 64 KiB
  EXPECT_EQ(h[1], 0x7F);
  EXPECT_EQ((std::vector<int>{h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]}),
            (std::vector<int>{0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(encode_header(Opcode::text, 125, h), 2u);
  EXPECT_EQ(encode_header(Opcode::text, 126, h), 4u);
  EXPECT_EQ(encode_header(Opcode::text, 65535, h), 4u);
  EXPECT_EQ(encode_header(Opcode::close, 0, h), 2u);
  EXPECT_EQ(h[0], 0x88);
}

TEST(WsFrame, UnmasksTheRfcExample) {
  // RFC 6455 5.7: a masked "Hello" from a client.
  std::string input = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  auto parsed = parse_all(input);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0], (Event{"message-text", "Hello", {}}));
  EXPECT_EQ(parsed.used, input.size());
}

TEST(WsFrame, EverySplitOfAStreamGivesTheSameMessages) {
  std::string big(70000, 'b');
  std::string input = client_frame(0x1, "one") + client_frame(0x9, "ping!") +
                      client_frame(0x2, std::string(300, '\xff')) +
                      client_frame(0x1, "frag", false) + client_frame(0xA, "pong") +
                      client_frame(0x0, "mented", false) + client_frame(0x0, " ✓") +
                      client_frame(0x2, big) + close_frame(1000, "bye");
  std::vector<Event> want = {{"message-text", "one", {}},
                             {"ping", "ping!", {}},
                             {"message-binary", std::string(300, '\xff'), {}},
                             {"pong", "pong", {}},
                             {"message-text", "fragmented ✓", {}},
                             {"message-binary", big, {}},
                             {"close", "bye", 1000}};
  EXPECT_EQ(parse_all(input).events, want);
  for (std::size_t split : {1u, 2u, 3u, 7u, 125u, 4096u})
    EXPECT_EQ(parse_split(input, split), want);
}

TEST(WsFrame, StopsAtTheCloseFrame) {
  std::string input = close_frame(1001) + client_frame(0x1, "after");
  auto parsed = parse_all(input);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].code, 1001);
  EXPECT_EQ(parsed.used, input.size() - client_frame(0x1, "after").size());
}

TEST(WsFrame, EmptyCloseHasNoCode) {
  auto parsed = parse_all(client_frame(0x8, ""));
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_FALSE(parsed.events[0].code);
}

struct FailureCase {
  const char* name;
  std::string input;
  std::uint16_t code;
};

TEST(WsFrame, ProtocolFailures) {
  const std::vector<FailureCase> cases = {
      {"unmasked", client_frame(0x1, "x", true, 0, false), kProtocolError},
      {"rsv1", client_frame(0x1, "x", true, 4), kProtocolError},
      {"rsv3 on ping", client_frame(0x9, "x", true, 1), kProtocolError},
      {"opcode 3", client_frame(0x3, "x"), kProtocolError},
      {"opcode 0xB", client_frame(0xB, ""), kProtocolError},
      {"fragmented ping", client_frame(0x9, "x", false), kProtocolError},
      {"ping of 126 bytes", client_frame(0x9, std::string(126, 'p')), kProtocolError},
      {"orphan continuation", client_frame(0x0, "x"), kProtocolError},
      {"text inside a message", client_frame(0x1, "a", false) + client_frame(0x1, "b"),
       kProtocolError},
      {"close of 1 byte", client_frame(0x8, "\x03"), kProtocolError},
      {"close code 1005", close_frame(1005), kProtocolError},
      {"close code 999", close_frame(999), kProtocolError},
      {"close code 2000", close_frame(2000), kProtocolError},
      {"close code 5000", close_frame(5000), kProtocolError},
      {"close reason not UTF-8", client_frame(0x8, std::string("\x03\xe8\xff", 3)),
       kInvalidPayload},
      {"invalid UTF-8", client_frame(0x1, "ab\xff"), kInvalidPayload},
      {"overlong", client_frame(0x1, "\xc0\xaf"), kInvalidPayload},
      {"surrogate", client_frame(0x1, "\xed\xa0\x80"), kInvalidPayload},
      {"above U+10FFFF", client_frame(0x1, "\xf4\x90\x80\x80"), kInvalidPayload},
      {"ends inside a code point", client_frame(0x1, "\xce"), kInvalidPayload},
      {"bad UTF-8 across fragments", client_frame(0x1, "\xce", false) + client_frame(0x0, "A"),
       kInvalidPayload},
      {"64-bit length with the top bit", std::string("\x82\xff\x80\0\0\0\0\0\0\0\0\0\0\0", 14),
       kProtocolError},
  };
  for (const auto& c : cases) {
    auto parsed = parse_all(c.input);
    EXPECT_EQ(parsed.failure, c.code) << c.name;
  }
}

TEST(WsFrame, SizeLimitIsCheckedFromTheHeader) {
  // Only the header of a 1 MiB frame has arrived: refused before any payload is buffered.
  std::string header = client_frame(0x2, std::string(1 << 20, 'x')).substr(0, 14);
  FrameParser parser(64 * 1024);
  Recorder sink;
  parser.parse(header.data(), header.size(), sink);
  ASSERT_TRUE(parser.failure());
  EXPECT_EQ(parser.failure()->code, kMessageTooBig);

  // Fragments adding up to one byte over the limit.
  std::string frags = client_frame(0x1, std::string(40, 'a'), false) +
                      client_frame(0x0, std::string(25, 'a'), true);
  EXPECT_EQ(parse_all(frags, 64).failure, kMessageTooBig);
  EXPECT_FALSE(parse_all(client_frame(0x1, std::string(64, 'a')), 64).failure);
}

TEST(WsFrame, ReportsTheSizeOfAnIncompleteFrame) {
  std::string frame = client_frame(0x2, std::string(1000, 'x'));
  FrameParser parser(1 << 20);
  Recorder sink;
  EXPECT_EQ(parser.parse(frame.data(), 10, sink), 0u);
  EXPECT_EQ(parser.frame_bytes_needed(), frame.size());
}

TEST(WsFrame, CloseCodes) {
  for (int code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999})
    EXPECT_TRUE(valid_close_code(static_cast<std::uint16_t>(code))) << code;
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    EXPECT_FALSE(valid_close_code(static_cast<std::uint16_t>(code))) << code;
}

TEST(WsFrame, ClosePayloadNeverSplitsACodePoint) {
  std::string reason(122, 'r');
  reason += "✓";  // 3 bytes: 125 in all, over the 123 a reason may have
  std::string payload = close_payload(1008, reason);
  EXPECT_EQ(payload.size(), 2u + 122u);
  EXPECT_TRUE(is_valid_utf8(std::string_view(payload).substr(2)));
  EXPECT_EQ(close_payload(1013, "slow consumer"), std::string("\x03\xf5slow consumer"));
}

TEST(WsUtf8, Validates) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("κόσμε voice 🎙️ ok"));
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\x80"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\x80"));  // overlong
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xf5"));      // invalid lead after an ASCII run

  Utf8Validator split;  // a code point split across feeds
  EXPECT_TRUE(split.feed("\xf0\x9f"));
  EXPECT_FALSE(split.complete());
  EXPECT_TRUE(split.feed("\x8e\x99"));
  EXPECT_TRUE(split.complete());
}

TEST(WsHandshake, AcceptKeyOfTheRfcExample) {
  // RFC 6455 1.3.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, RefusesBadVersionAndKey) {
  HttpRequest req{http::verb::get, "/ws/live-calls", 11};
  req.set(http::field::sec_websocket_version, "13");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_FALSE(check_upgrade(req));

  req.set(http::field::sec_websocket_version, "8");
  auto refusal = check_upgrade(req);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, http::status::upgrade_required);
  EXPECT_TRUE(refusal->wants_version_header);

  req.set(http::field::sec_websocket_version, "13");
  for (const char* key : {"", "short", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=!",
                          "dGhlIHNhbXBsZSBub25jZ===", "dGhlIHNhbXBsZSBub25jZQ===="}) {
    req.set(http::field::sec_websocket_key, key);
    auto r = check_upgrade(req);
    ASSERT_TRUE(r) << key;
    EXPECT_EQ(r->status, http::status::bad_request) << key;
  }
}

}  // namespace
}  // namespace voxgate::ws
