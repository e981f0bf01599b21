#pragma once
// One epoll instance drives every socket of the load generator on one thread, so the client
// stays light next to the server on a small machine.

#include <sys/epoll.h>

#include <cstdint>
#include <span>
#include <vector>

namespace loadgen {

// A socket owner the loop calls back when its descriptor is ready.
class Pollable {
 public:
  virtual void on_ready(std::uint32_t events) = 0;

 protected:
  ~Pollable() = default;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void watch(int fd, std::uint32_t events, Pollable* owner);
  void rewatch(int fd, std::uint32_t events, Pollable* owner);

  // Waits at most timeout_ms, then calls every ready owner; returns how many were ready.
  int poll(int timeout_ms);

  // Instead of blocking in epoll_wait, check without blocking and sleep this long when nothing
  // is ready (0: block). Over loopback the sender's system call pays for waking a blocked
  // receiver; a polling receiver takes that cost off the server's CPU figure, as a remote
  // client would, at up to this much added latency.
  void set_poll_sleep_us(int us) { poll_sleep_us_ = us; }

  // One read buffer for all sockets: only one of them reads at a time.
  std::span<char> read_buffer() { return read_buffer_; }

 private:
  int epoll_fd_;
  int poll_sleep_us_ = 0;
  std::vector<epoll_event> ready_;
  std::vector<char> read_buffer_;
};

// Milliseconds from now_ns until deadline_ns, clamped to [0, cap_ms], for poll().
int poll_timeout_ms(std::int64_t now_ns, std::int64_t deadline_ns, int cap_ms);

}  // namespace loadgen
