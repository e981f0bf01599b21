#pragma once
// What every connection is to its worker: something to sweep for deadlines and to stop.

#include <boost/intrusive/list.hpp>
#include <chrono>

namespace voxgate {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

class Session : public boost::intrusive::list_base_hook<
                    boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  virtual ~Session() = default;
  // Called by the worker's sweep (twice a second): enforce deadlines, send keep-alive pings.
  virtual void on_sweep(SteadyTime now) = 0;
  // The server is stopping: WebSockets close 1001, HTTP finishes the request in flight.
  virtual void on_shutdown() = 0;
};

using SessionList = boost::intrusive::list<Session, boost::intrusive::constant_time_size<false>>;

}  // namespace voxgate
