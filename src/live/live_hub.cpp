#include "live/live_hub.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "ops/metrics.hpp"

namespace voxgate {
namespace {
void erase_one(std::vector<LiveSubscriber*>& v, LiveSubscriber* s) {
  auto it = std::find(v.begin(), v.end(), s);
  if (it == v.end()) return;
  *it = v.back();  // order among subscribers does not matter; removal stays cheap
  v.pop_back();
}
}  // namespace

void OrgIndex::add(const std::string& org, const std::string& user, LiveSubscriber* s) {
  Org& o = orgs_[org];
  o.all.push_back(s);
  o.by_user[user].push_back(s);
}

void OrgIndex::remove(const std::string& org, const std::string& user, LiveSubscriber* s) {
  auto it = orgs_.find(org);
  if (it == orgs_.end()) return;
  Org& o = it->second;
  erase_one(o.all, s);
  if (auto u = o.by_user.find(user); u != o.by_user.end()) {
    erase_one(u->second, s);
    if (u->second.empty()) o.by_user.erase(u);
  }
  if (o.all.empty()) orgs_.erase(it);
}

std::size_t OrgIndex::deliver(const Delivery& d) const {
  auto it = orgs_.find(d.org_id);
  if (it == orgs_.end()) return 0;
  // A subscriber's deliver() may close its connection but never unregisters synchronously,
  // so these vectors do not change while we walk them.
  const std::vector<LiveSubscriber*>* targets = &it->second.all;
  if (!d.user_id.empty()) {
    auto u = it->second.by_user.find(d.user_id);
    if (u == it->second.by_user.end()) return 0;
    targets = &u->second;
  }
  for (LiveSubscriber* s : *targets) s->deliver(d);
  return targets->size();
}

LiveHub::LiveHub(std::vector<boost::asio::io_context*> workers) : workers_(std::move(workers)) {
  for (std::size_t i = 0; i < workers_.size(); ++i)
    indexes_.push_back(std::make_unique<OrgIndex>());
}

void LiveHub::publish(DeliveryBatch batch) {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    boost::asio::post(*workers_[i], [index = indexes_[i].get(), batch] {
      SendBatch sends;  // a subscriber with several events of the batch gets one write
      std::size_t n = 0;
      for (const Delivery& d : *batch) n += index->deliver(d);
      if (n) metrics().events_delivered.with({}).inc(n);
    });
  }
}

}  // namespace voxgate
