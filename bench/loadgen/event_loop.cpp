#include "event_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <system_error>

#include "clock.hpp"

namespace loadgen {
namespace {

constexpr std::size_t kReadyBatch = 1024;
constexpr std::size_t kReadBufferBytes = std::size_t{256} * 1024;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::system_category(), what);
}

}  // namespace

EventLoop::EventLoop()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), ready_(kReadyBatch), read_buffer_(kReadBufferBytes) {
  if (epoll_fd_ < 0) fail("epoll_create1");
}

EventLoop::~EventLoop() {
  ::close(epoll_fd_);
}

void EventLoop::watch(int fd, std::uint32_t events, Pollable* owner) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = owner;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl ADD");
}

void EventLoop::rewatch(int fd, std::uint32_t events, Pollable* owner) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = owner;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) fail("epoll_ctl MOD");
}

int EventLoop::poll(int timeout_ms) {
  const bool sleeps = poll_sleep_us_ > 0;
  int n = epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(ready_.size()),
                     sleeps ? 0 : timeout_ms);
  if (sleeps && n == 0 && timeout_ms > 0) {
    std::int64_t ns = std::min<std::int64_t>(std::int64_t{poll_sleep_us_} * 1000,
                                             std::int64_t{timeout_ms} * kNsPerMs);
    timespec pause{static_cast<time_t>(ns / kNsPerSec), static_cast<long>(ns % kNsPerSec)};
    nanosleep(&pause, nullptr);
    return 0;
  }
  if (n < 0) {
    if (errno == EINTR) return 0;
    fail("epoll_wait");
  }
  // Closing a descriptor removes it from epoll, and each descriptor appears at most once per
  // batch, so an owner never sees an event for a socket it already closed.
  for (int i = 0; i < n; ++i)
    static_cast<Pollable*>(ready_[i].data.ptr)->on_ready(ready_[i].events);
  return n;
}

int poll_timeout_ms(std::int64_t now, std::int64_t deadline, int cap_ms) {
  if (deadline <= now) return 0;
  std::int64_t ms = (deadline - now + kNsPerMs - 1) / kNsPerMs;
  return ms < cap_ms ? static_cast<int>(ms) : cap_ms;
}

}  // namespace loadgen
