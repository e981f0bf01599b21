#pragma once
// Per-org fan-out. Each worker keeps its own index of the subscribers on its thread, so an
// event costs one post per worker and one lookup, never a scan of all connections.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/ws_connection.hpp"

namespace voxgate {

// One event on its way to subscribers: the bytes are encoded once and shared.
struct Delivery {
  std::string org_id;
  std::string user_id;  // empty: every subscriber of the org
  std::uint64_t seq;
  SharedPayload payload;
};
using DeliveryBatch = std::shared_ptr<const std::vector<Delivery>>;

class LiveSubscriber {
 public:
  virtual ~LiveSubscriber() = default;
  virtual void deliver(const Delivery& d) = 0;
};

// The subscribers of one worker; only that worker's thread touches it.
class OrgIndex {
 public:
  void add(const std::string& org, const std::string& user, LiveSubscriber* s);
  void remove(const std::string& org, const std::string& user, LiveSubscriber* s);
  std::size_t deliver(const Delivery& d) const;  // returns the number of recipients
  std::size_t org_count() const { return orgs_.size(); }

 private:
  struct Org {
    std::vector<LiveSubscriber*> all;
    std::unordered_map<std::string, std::vector<LiveSubscriber*>> by_user;
  };
  std::unordered_map<std::string, Org> orgs_;
};

class LiveHub {
 public:
  explicit LiveHub(std::vector<boost::asio::io_context*> workers);
  // Only from worker `i`'s thread.
  OrgIndex& local(std::size_t i) { return *indexes_[i]; }
  // From any thread: each worker delivers the batch, in order, to its own subscribers.
  void publish(DeliveryBatch batch);

 private:
  std::vector<boost::asio::io_context*> workers_;
  std::vector<std::unique_ptr<OrgIndex>> indexes_;
};

}  // namespace voxgate
