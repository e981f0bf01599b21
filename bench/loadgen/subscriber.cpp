#include "subscriber.hpp"

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base64.hpp"
#include "clock.hpp"

namespace loadgen {
namespace {

// A server's upgrade reply is far smaller; more means it is not answering the upgrade.
constexpr std::size_t kMaxReplyHead = std::size_t{16} * 1024;
// Past this a drained buffer is released, so idle subscribers hold no memory.
constexpr std::size_t kKeepCapacity = std::size_t{4} * 1024;

void release_if_large(std::string& s) {
  if (s.empty() && s.capacity() > kKeepCapacity) std::string().swap(s);
}

// The value of header `name` (case-insensitive) in an HTTP head, or empty.
std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    }
    pos = end;
  }
  return {};
}

}  // namespace

Subscriber::~Subscriber() {
  abort();
}

void Subscriber::open(std::int64_t now) {
  opened_at_ = now;
  inbox_.clear();
  outbox_.clear();
  fragments_.clear();
  fd_ = dial(env_.target.address);
  if (fd_ < 0) {
    int err = -fd_;
    fd_ = -1;
    return end(SubscriberEnding::Kind::connect_failed, std::strerror(err));
  }
  // Over loopback the TCP handshake has usually completed inside connect(): send the upgrade at
  // once, and wait for writability only when the socket is not connected yet.
  const std::string& request = upgrade_request();
  ssize_t n = ::write(fd_, request.data(), request.size());
  if (n < 0 && errno != EAGAIN && errno != ENOTCONN)
    return end(SubscriberEnding::Kind::connect_failed, std::strerror(errno));
  if (n < 0) {
    state_ = State::connecting;
    return env_.loop.watch(fd_, EPOLLIN | EPOLLOUT, this);
  }
  state_ = State::upgrading;
  if (static_cast<std::size_t>(n) == request.size()) return env_.loop.watch(fd_, EPOLLIN, this);
  outbox_.assign(request.substr(n));
  env_.loop.watch(fd_, EPOLLIN | EPOLLOUT, this);
}

void Subscriber::abort() {
  if (fd_ >= 0) close_abortively(fd_);
  fd_ = -1;
  state_ = State::ended;
}

void Subscriber::on_ready(std::uint32_t events) {
  if (state_ == State::connecting) {
    if (events & (EPOLLERR | EPOLLHUP))
      return end(SubscriberEnding::Kind::connect_failed, std::strerror(socket_error(fd_)));
    env_.loop.rewatch(fd_, EPOLLIN, this);
    state_ = State::upgrading;
    return send_bytes(upgrade_request());
  }
  if (events & EPOLLOUT) flush();
  if (state_ != State::ended && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) read_available();
}

const std::string& Subscriber::upgrade_request() {
  char nonce[16];
  std::uint64_t a = env_.random.next(), b = env_.random.next();
  std::memcpy(nonce, &a, 8);
  std::memcpy(nonce + 8, &b, 8);
  key_ = base64({nonce, sizeof nonce});
  std::string& req = env_.scratch;
  req.clear();
  req += "GET ";
  req += env_.path;
  req += " HTTP/1.1\r\nHost: ";
  req += env_.target.host_header;
  req +=
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: ";
  req += key_;
  req += "\r\n\r\n";
  return req;
}

void Subscriber::send_frame(Opcode opcode, std::string_view payload) {
  std::string& frame = env_.scratch;
  frame.clear();
  append_client_frame(frame, opcode, payload, static_cast<std::uint32_t>(env_.random.next()));
  send_bytes(frame);
}

void Subscriber::send_bytes(std::string_view bytes) {
  if (!outbox_.empty()) {
    outbox_ += bytes;
    return;
  }
  ssize_t n = ::write(fd_, bytes.data(), bytes.size());
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR)
      return end(SubscriberEnding::Kind::connection_lost, std::strerror(errno));
    n = 0;
  }
  if (static_cast<std::size_t>(n) == bytes.size()) return;
  outbox_.assign(bytes.substr(n));
  env_.loop.rewatch(fd_, EPOLLIN | EPOLLOUT, this);
}

void Subscriber::flush() {
  if (outbox_.empty()) return;
  ssize_t n = ::write(fd_, outbox_.data(), outbox_.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return end(SubscriberEnding::Kind::connection_lost, std::strerror(errno));
  }
  outbox_.erase(0, n);
  if (!outbox_.empty()) return;
  release_if_large(outbox_);
  env_.loop.rewatch(fd_, EPOLLIN, this);
}

void Subscriber::read_available() {
  auto buffer = env_.loop.read_buffer();
  for (;;) {
    ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n > 0) {
      consume({buffer.data(), static_cast<std::size_t>(n)}, now_ns());
      if (state_ == State::ended || static_cast<std::size_t>(n) < buffer.size()) return;
      continue;  // the buffer was full: more may be waiting
    }
    if (n == 0) return end(SubscriberEnding::Kind::connection_lost, "server closed TCP");
    if (errno == EAGAIN || errno == EINTR) return;
    return end(SubscriberEnding::Kind::connection_lost, std::strerror(errno));
  }
}

void Subscriber::consume(std::string_view bytes, std::int64_t now) {
  // Parse straight from the shared buffer; only an incomplete tail is copied.
  bool buffered = !inbox_.empty();
  if (buffered) inbox_ += bytes;
  std::string_view data = buffered ? std::string_view(inbox_) : bytes;
  std::size_t used = 0;
  if (state_ == State::upgrading) used = take_upgrade_reply(data);
  if (state_ == State::subscribing || state_ == State::live)
    used += take_frames(data.substr(used), now);
  if (state_ == State::ended) return;
  if (buffered)
    inbox_.erase(0, used);
  else if (used < data.size())
    inbox_.assign(data.substr(used));
  release_if_large(inbox_);
}

std::size_t Subscriber::take_upgrade_reply(std::string_view bytes) {
  std::size_t end_of_head = bytes.find("\r\n\r\n");
  if (end_of_head == std::string_view::npos) {
    if (bytes.size() > kMaxReplyHead)
      end(SubscriberEnding::Kind::upgrade_refused, "reply head too large");
    return 0;
  }
  std::string_view head = bytes.substr(0, end_of_head + 2);
  std::string_view status_line = head.substr(0, head.find("\r\n"));
  if (!status_line.starts_with("HTTP/1.1 101")) {
    end(SubscriberEnding::Kind::upgrade_refused, std::string(status_line));
    return 0;
  }
  if (header_value(head, "Sec-WebSocket-Accept") != websocket_accept_for(key_)) {
    end(SubscriberEnding::Kind::protocol, "wrong Sec-WebSocket-Accept");
    return 0;
  }
  std::string().swap(key_);
  state_ = State::subscribing;
  std::string subscribe = R"({"type":"subscribe","token":")";
  subscribe += token_;
  subscribe += "\"}";
  send_frame(Opcode::text, subscribe);
  return end_of_head + 4;
}

std::size_t Subscriber::take_frames(std::string_view bytes, std::int64_t now) {
  std::size_t used = 0;
  while (state_ == State::subscribing || state_ == State::live) {
    ServerFrame frame;
    std::size_t n = parse_server_frame(bytes.substr(used), frame);
    if (n == 0) break;
    if (n == kBadFrame) {
      end(SubscriberEnding::Kind::protocol, "malformed server frame");
      break;
    }
    used += n;
    if (frame.opcode == Opcode::text || frame.opcode == Opcode::binary) {
      if (frame.fin && fragments_.empty()) {
        on_frame(frame.opcode, frame.payload, now);
        continue;
      }
      message_opcode_ = frame.opcode;
      fragments_.assign(frame.payload);
    } else if (frame.opcode == Opcode::continuation) {
      fragments_ += frame.payload;
      if (frame.fin) {
        on_frame(message_opcode_, fragments_, now);
        fragments_.clear();
        release_if_large(fragments_);
      }
    } else {
      on_frame(frame.opcode, frame.payload, now);
    }
  }
  return used;
}

void Subscriber::on_frame(Opcode opcode, std::string_view payload, std::int64_t now) {
  switch (opcode) {
    case Opcode::text:
      return on_text(payload, now);
    case Opcode::ping:
      return send_frame(Opcode::pong, payload);
    case Opcode::close: {
      int code =
          payload.size() >= 2
              ? (static_cast<std::uint8_t>(payload[0]) << 8 | static_cast<std::uint8_t>(payload[1]))
              : 1005;
      std::string detail = std::to_string(code);
      if (payload.size() > 2) detail += " " + std::string(payload.substr(2));
      // Echo the close, as RFC 6455 asks, before dropping the socket.
      send_frame(Opcode::close, payload.substr(0, std::min<std::size_t>(payload.size(), 2)));
      return end(SubscriberEnding::Kind::closed_by_server, detail);
    }
    default:
      return;  // pongs and binary frames carry nothing the benchmark counts
  }
}

void Subscriber::on_text(std::string_view text, std::int64_t now) {
  if (state_ == State::live) return env_.sink.on_message(*this, text, now);
  if (text.find(R"("type":"subscribed")") == std::string_view::npos)
    return end(SubscriberEnding::Kind::protocol,
               "expected subscribed, got " + std::string(text.substr(0, 200)));
  state_ = State::live;
  env_.sink.on_subscribed(*this, now);
}

void Subscriber::end(SubscriberEnding::Kind kind, std::string detail) {
  if (state_ == State::ended) return;
  bool was_live = state_ == State::live;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::ended;
  inbox_.clear();
  outbox_.clear();
  env_.sink.on_ended(*this, SubscriberEnding{kind, std::move(detail), was_live});
}

}  // namespace loadgen
