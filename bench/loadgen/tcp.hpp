#pragma once
// Plain non-blocking TCP for the clients: dial, check the outcome, close without TIME_WAIT.

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace loadgen {

// Where the gateway listens. Only numeric IPv4 addresses: the benchmark never resolves names.
struct Target {
  sockaddr_in address{};
  std::string host_header;  // "127.0.0.1:8080"
};

Target make_target(const std::string& host, int port);
std::vector<Target> make_targets(const std::string& host, const std::vector<std::int64_t>& ports);

// A non-blocking socket with a connect in progress, or -errno.
int dial(const sockaddr_in& address);

// The outcome of a non-blocking connect (0 when connected).
int socket_error(int fd);

// Closes with RST: the client's port is reusable at once, so repeated rounds do not run out of
// ephemeral ports.
void close_abortively(int fd);

// Raises the soft open-file limit to the hard one; returns the limit now in force.
std::size_t raise_open_file_limit();

}  // namespace loadgen
