#include "publish_connection.hpp"

#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "clock.hpp"

namespace loadgen {
namespace {

// The Content-Length of an HTTP head, or -1 when absent (voxgate always sends one).
long content_length(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (std::size_t i = 0; i + kName.size() <= head.size(); ++i) {
    if (strncasecmp(head.data() + i, kName.data(), kName.size()) != 0) continue;
    const char* p = head.data() + i + kName.size();
    while (*p == ' ') ++p;
    long n = -1;
    std::from_chars(p, head.data() + head.size(), n);
    return n;
  }
  return -1;
}

}  // namespace

PublishConnection::~PublishConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void PublishConnection::post(std::string_view request, std::uint64_t tag, std::int64_t now) {
  busy_ = true;
  tag_ = tag;
  sent_ns_ = now;
  outbox_.assign(request);
  if (fd_ < 0) {
    fd_ = dial(target_.address);
    if (fd_ < 0) {
      fd_ = -1;
      return fail(now);
    }
    connecting_ = watching_out_ = true;
    loop_.watch(fd_, EPOLLIN | EPOLLOUT, this);
    return;
  }
  write_pending();
}

void PublishConnection::on_ready(std::uint32_t events) {
  if (connecting_) {
    if (socket_error(fd_) != 0) return fail(now_ns());
    connecting_ = false;
  }
  if (events & EPOLLOUT) write_pending();
  if (fd_ >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) read_available();
}

void PublishConnection::write_pending() {
  if (outbox_.empty()) return;
  ssize_t n = ::write(fd_, outbox_.data(), outbox_.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR)
      n = 0;
    else
      return fail(now_ns());
  }
  outbox_.erase(0, n);
  bool want_out = !outbox_.empty();
  if (want_out == watching_out_) return;
  watching_out_ = want_out;
  loop_.rewatch(fd_, want_out ? EPOLLIN | EPOLLOUT : EPOLLIN, this);
}

void PublishConnection::read_available() {
  auto buffer = loop_.read_buffer();
  ssize_t n = ::read(fd_, buffer.data(), buffer.size());
  std::int64_t now = now_ns();
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return fail(now);
  if (n < 0) return;
  inbox_.append(buffer.data(), n);
  while (take_reply(now)) {
  }
}

bool PublishConnection::take_reply(std::int64_t now) {
  std::size_t head_end = inbox_.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  std::string_view head(inbox_.data(), head_end + 2);
  long length = content_length(head);
  if (length < 0) length = 0;
  std::size_t total = head_end + 4 + static_cast<std::size_t>(length);
  if (inbox_.size() < total) return false;
  int status = 0;
  if (head.size() > 12) std::from_chars(head.data() + 9, head.data() + 12, status);
  bool keep_alive = head.find("\r\nConnection: close") == std::string_view::npos &&
                    head.find("\r\nconnection: close") == std::string_view::npos;
  busy_ = false;
  sink_.on_reply(
      PublishReply{status, tag_, sent_ns_, std::string_view(inbox_).substr(head_end + 4, length)},
      now);
  inbox_.erase(0, total);
  if (!keep_alive) {
    ::close(fd_);
    fd_ = -1;
    watching_out_ = false;
    inbox_.clear();
    return false;
  }
  return true;
}

void PublishConnection::fail(std::int64_t now) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  connecting_ = watching_out_ = false;
  inbox_.clear();
  outbox_.clear();
  if (!busy_) return;  // an idle keep-alive connection closed by the server: redial on next use
  busy_ = false;
  sink_.on_reply(PublishReply{0, tag_, sent_ns_, {}}, now);
}

}  // namespace loadgen
