// voxgate_floor_server: a calibration server, not a gateway. It does the least work the
// live-calls benchmarks can observe: one thread, epoll, one write() per recipient, no token
// check (the org is read from the JWT's claims unverified), no history. Run bench/live_calls.sh
// with FLOOR=1 against it to learn what this machine allows, then read voxgate's figures and the
// targets against that floor.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../loadgen/base64.hpp"
#include "../loadgen/ws_frame.hpp"

namespace {

struct Connection {
  int fd = -1;
  bool websocket = false;
  int org = -1;  // subscribed org, -1 before the subscribe message
  std::string inbox;
};

class FloorServer {
 public:
  explicit FloorServer(int port);
  void run();

 private:
  void accept_all();
  void on_readable(Connection& c);
  bool take_http(Connection& c);  // false: wait for more bytes
  bool take_frame(Connection& c);
  void publish(std::string_view body);
  void subscribe(Connection& c, std::string_view message);
  void drop(Connection& c);
  static void append_server_frame(std::string& out, loadgen::Opcode op, std::string_view payload);
  static void send(int fd, std::string_view bytes) {
    (void)!::write(fd, bytes.data(), bytes.size());
  }

  int listener_ = -1, epoll_ = -1;
  std::unordered_map<int, Connection> connections_;
  std::unordered_map<int, std::vector<int>> subscribers_;  // org -> sockets
  std::string frame_;
};

FloorServer::FloorServer(int port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // calibration traffic stays on this machine
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, SOMAXCONN) != 0) {
    std::perror("voxgate_floor_server: listen");
    std::exit(1);
  }
  epoll_ = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &ev);
}

void FloorServer::run() {
  std::vector<epoll_event> ready(1024);
  for (;;) {
    int n = epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), -1);
    for (int i = 0; i < n; ++i) {
      int fd = ready[i].data.fd;
      if (fd == listener_) {
        accept_all();
        continue;
      }
      auto it = connections_.find(fd);
      if (it != connections_.end() && it->second.fd >= 0) on_readable(it->second);
    }
  }
}

void FloorServer::accept_all() {
  for (;;) {
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
    if (fd < 0) return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection fresh;  // a reused descriptor number starts clean
    fresh.fd = fd;
    connections_[fd] = std::move(fresh);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
}

void FloorServer::on_readable(Connection& c) {
  static char buffer[64 * 1024];
  ssize_t n = ::read(c.fd, buffer, sizeof buffer);
  if (n <= 0) return drop(c);
  c.inbox.append(buffer, static_cast<std::size_t>(n));
  while (c.websocket ? take_frame(c) : take_http(c)) {
    if (c.fd < 0) return;  // dropped while handling
  }
}

bool FloorServer::take_http(Connection& c) {
  std::size_t end = c.inbox.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string_view head(c.inbox.data(), end + 2);
  std::size_t length = 0;
  if (auto at = head.find("Content-Length: "); at != std::string_view::npos)
    length = std::strtoul(head.data() + at + 16, nullptr, 10);
  if (c.inbox.size() < end + 4 + length) return false;
  if (head.starts_with("GET ") && head.find("Sec-WebSocket-Key: ") != std::string_view::npos) {
    std::string_view key = head.substr(head.find("Sec-WebSocket-Key: ") + 19, 24);
    send(c.fd,
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
             loadgen::websocket_accept_for(key) + "\r\n\r\n");
    c.websocket = true;
  } else if (head.starts_with("POST /api/events ")) {
    publish(std::string_view(c.inbox).substr(end + 4, length));
    send(c.fd,
         "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n"
         "{\"ids\":[]}");
  } else {
    send(c.fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");  // /health and the rest
  }
  c.inbox.erase(0, end + 4 + length);
  return true;
}

bool FloorServer::take_frame(Connection& c) {
  // Client frames are masked: 2 header bytes, maybe a 16-bit length, then the 4-byte key.
  if (c.inbox.size() < 2) return false;
  std::size_t length = static_cast<unsigned char>(c.inbox[1]) & 0x7F, header = 2;
  if (length == 126) {
    if (c.inbox.size() < 4) return false;
    length = static_cast<unsigned char>(c.inbox[2]) << 8 | static_cast<unsigned char>(c.inbox[3]);
    header = 4;
  }
  if (c.inbox.size() < header + 4 + length) return false;
  std::string payload = c.inbox.substr(header + 4, length);
  for (std::size_t i = 0; i < length; ++i) payload[i] ^= c.inbox[header + (i & 3)];
  auto opcode = static_cast<loadgen::Opcode>(c.inbox[0] & 0x0F);
  c.inbox.erase(0, header + 4 + length);
  if (opcode == loadgen::Opcode::close) {
    drop(c);
    return false;
  }
  if (opcode == loadgen::Opcode::text && c.org < 0) subscribe(c, payload);
  return true;
}

void FloorServer::subscribe(Connection& c, std::string_view message) {
  // {"type":"subscribe","token":"h.c.s"}: the org is in the claims segment.
  std::size_t at = message.find("\"token\":\"");
  if (at == std::string_view::npos) return drop(c);
  std::string_view token = message.substr(at + 9);
  std::size_t dot1 = token.find('.'), dot2 = token.find('.', dot1 + 1);
  std::string claims = loadgen::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  std::size_t org_at = claims.find("\"org_id\":\"org-");
  if (org_at == std::string::npos) return drop(c);
  c.org = std::atoi(claims.c_str() + org_at + 14);
  subscribers_[c.org].push_back(c.fd);
  frame_.clear();
  append_server_frame(frame_, loadgen::Opcode::text, R"({"type":"subscribed"})");
  send(c.fd, frame_);
}

void FloorServer::publish(std::string_view body) {
  // Each envelope is {"orgId":"org-N","event":{...}}; the event object is sent as it came.
  constexpr std::string_view kOrg = R"({"orgId":"org-)";
  for (std::size_t at = body.find(kOrg); at != std::string_view::npos; at = body.find(kOrg, at)) {
    int org = std::atoi(body.data() + at + kOrg.size());
    std::size_t event = body.find("\"event\":", at) + 8;
    std::size_t end = body.find("}}", event) + 1;
    frame_.clear();
    append_server_frame(frame_, loadgen::Opcode::text, body.substr(event, end - event));
    for (int fd : subscribers_[org]) send(fd, frame_);
    at = end;
  }
}

void FloorServer::drop(Connection& c) {
  if (c.org >= 0) {
    auto& fds = subscribers_[c.org];
    for (auto& fd : fds)
      if (fd == c.fd) {
        fd = fds.back();
        fds.pop_back();
        break;
      }
  }
  // The entry stays (with fd -1) until accept reuses the number: callers may still hold it.
  ::close(c.fd);
  c.fd = -1;
}

void FloorServer::append_server_frame(std::string& out, loadgen::Opcode op,
                                      std::string_view payload) {
  out += static_cast<char>(0x80 | static_cast<int>(op));
  if (payload.size() < 126) {
    out += static_cast<char>(payload.size());
  } else {
    out += static_cast<char>(126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xFF);
  }
  out += payload;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: voxgate_floor_server <port>   (listens on 127.0.0.1)\n", stderr);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  FloorServer(std::atoi(argv[1])).run();
}
