#include "tcp.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace loadgen {

Target make_target(const std::string& host, int port) {
  Target t;
  t.address.sin_family = AF_INET;
  if (port <= 0 || port > 65535) throw std::invalid_argument("--port must be between 1 and 65535");
  t.address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &t.address.sin_addr) != 1)
    throw std::invalid_argument("--host must be a numeric IPv4 address such as 127.0.0.1");
  t.host_header = host + ":" + std::to_string(port);
  return t;
}

std::vector<Target> make_targets(const std::string& host, const std::vector<std::int64_t>& ports) {
  std::vector<Target> out;
  out.reserve(ports.size());
  for (std::int64_t port : ports) out.push_back(make_target(host, static_cast<int>(port)));
  return out;
}

int dial(const sockaddr_in& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  // Small frames (subscribe, pong, requests) must leave at once, not wait for Nagle.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

int socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void close_abortively(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

std::size_t raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

}  // namespace loadgen
