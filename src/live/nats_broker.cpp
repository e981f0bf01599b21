#include "live/nats_broker.hpp"

#include <nats/nats.h>

#include <boost/json/object.hpp>
#include <exception>
#include <utility>
#include <vector>

#include "live/broker_wire.hpp"
#include "ops/log.hpp"
#include "ops/text.hpp"

namespace voxgate {
namespace {

// Publishes made while disconnected wait here and go out after the reconnect; beyond it they
// fail and the other nodes catch up from the store.
constexpr int kReconnectBufferBytes = 8 << 20;
// A dropped message costs a store read, not an event: let a busy node queue far more than
// nats.c's default (65536 messages, 64 MiB) before it drops.
constexpr int kPendingMessages = 1'000'000;
constexpr int kPendingBytes = 1 << 30;
// Batches waiting for the publisher thread; beyond this a stalled server costs events to share.
constexpr std::size_t kMaxQueuedBytes = 64 << 20;
// A socket write that stalls this long drops the connection and reconnects, instead of holding
// nats.c's connection lock (and the publisher) until TCP gives up.
constexpr std::int64_t kWriteDeadlineMs = 2000;

// The servers of a URL list such as "nats://a:4222, nats://b:4222".
std::vector<std::string> url_entries(std::string_view url) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = url.find(',');
    out.emplace_back(trim(url.substr(0, comma), " "));
    if (comma == std::string_view::npos) return out;
    url.remove_prefix(comma + 1);
  }
}

// `url` without user, password or token, for logs and errors.
std::string without_credentials(std::string_view url) {
  std::string out;
  for (const auto& entry : url_entries(url)) {
    if (!out.empty()) out.push_back(',');
    const std::string_view e = entry;
    const auto scheme = e.find("://");
    const auto host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
    const auto at = e.substr(0, e.find('/', host_start)).rfind('@');
    if (at != std::string_view::npos && at >= host_start)
      out.append(e.substr(0, host_start)).append(e.substr(at + 1));
    else
      out.append(e);
  }
  return out;
}

// What is wrong with one entry of a NATS URL list, or empty. nats.c takes almost anything
// ("garbage" is a host, port 99999999 retries forever), so a typo is caught here instead.
std::string url_entry_problem(std::string_view entry) {
  const auto scheme_end = entry.find("://");
  if (scheme_end == std::string_view::npos) return "it has no nats:// or tls:// scheme";
  const auto scheme = entry.substr(0, scheme_end);
  if (scheme != "nats" && scheme != "tls")
    return "scheme " + std::string(scheme) + " is not nats or tls";
  std::string_view authority = entry.substr(scheme_end + 3);
  const auto slash = authority.find('/');
  if (slash != std::string_view::npos) {
    if (slash + 1 != authority.size()) return "it has a path";
    authority = authority.substr(0, slash);
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "its IPv6 address has no closing ]";
    host = authority.substr(0, close + 1);
    port = authority.substr(close + 1);
    if (!port.empty() && !port.starts_with(':')) return "junk after the IPv6 address";
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon);
  }
  if (host.empty() || host == "[]") return "it has no host";
  for (unsigned char c : host)
    if (c <= ' ' || c == 0x7f) return "its host has spaces or control characters";
  if (!port.empty()) {
    port.remove_prefix(1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)
      return "port " + std::string(port) + " is not a number from 1 to 65535";
  }
  return {};
}

std::string url_problem(std::string_view url) {
  for (const auto& entry : url_entries(url))
    if (auto problem = url_entry_problem(entry); !problem.empty()) return problem;
  return {};
}

// Why a nats.c call failed: its status and the detail it left for this thread.
std::string nats_error(natsStatus status) {
  std::string text = natsStatus_GetText(status);
  const char* detail = nats_GetLastError(nullptr);
  if (detail && *detail && text != detail) text += std::string(": ") + detail;
  return text;
}

// A subject nats.c can publish to: tokens of visible characters, no wildcards.
bool publishable_subject(std::string_view subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  for (std::size_t i = 0; i < subject.size(); ++i) {
    const unsigned char c = subject[i];
    if (c <= ' ' || c == 0x7f || c == '*' || c == '>') return false;
    if (c == '.' && subject[i + 1] == '.') return false;
  }
  return true;
}

std::size_t batch_bytes(const std::vector<Delivery>& batch) {
  std::size_t bytes = 0;
  for (const auto& d : batch)
    bytes += d.org_id.size() + d.user_id.size() + (d.payload ? d.payload->size() : 0) + 20;
  return bytes;
}

void warn_throttled(LogThrottle& throttle, std::string_view msg, boost::json::object fields) {
  std::uint64_t suppressed = 0;
  if (!throttle.allow(msg, LogThrottle::Clock::now(), suppressed)) return;
  if (suppressed) fields["suppressed"] = suppressed;
  log::warn(msg, std::move(fields));
}

// nats.c calls back into C: an exception must not cross it.
template <class F>
void guarded(std::string_view what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    log::error("NATS broker callback failed", {{"callback", what}, {"error", e.what()}});
  } catch (...) {
    log::error("NATS broker callback failed", {{"callback", what}});
  }
}

NatsBroker* broker_of(void* closure) {
  return static_cast<NatsBroker*>(closure);
}

}  // namespace

NatsBroker::NatsBroker(NatsBrokerSettings settings)
    : settings_(std::move(settings)), shown_url_(without_credentials(settings_.url)) {}

std::unique_ptr<NatsBroker> NatsBroker::connect(const NatsBrokerSettings& settings,
                                                std::string& error) {
  const std::string shown = without_credentials(settings.url);
  if (settings.url.empty()) {
    error = "the NATS URL is empty; give one like nats://127.0.0.1:4222";
    return nullptr;
  }
  if (settings.node_id.empty()) {
    error = "the NATS broker needs a node id, unique per gateway node";
    return nullptr;
  }
  if (auto problem = url_problem(settings.url); !problem.empty()) {
    error = "NATS URL " + shown + " is not valid: " + problem +
            "; expected nats://host:port (tls:// for TLS), several separated by commas";
    return nullptr;
  }
  if (!publishable_subject(settings.subject)) {
    error = "NATS subject \"" + settings.subject +
            "\" is not valid: use dot-separated tokens without spaces or wildcards, e.g. "
            "voxgate.events";
    return nullptr;
  }

  std::unique_ptr<NatsBroker> broker(new NatsBroker(settings));
  natsOptions* raw = nullptr;
  natsStatus s = natsOptions_Create(&raw);  // also opens the library, once per process
  if (s != NATS_OK) {
    error = "the NATS client library did not start: " + nats_error(s);
    return nullptr;
  }
  std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)> opts(raw, &natsOptions_Destroy);
  void* self = broker.get();
  const std::string client_name = "voxgate " + settings.node_id;
  // SetServers, not SetURL: only the former takes a list.
  const auto servers = url_entries(settings.url);
  std::vector<const char*> server_ptrs;
  server_ptrs.reserve(servers.size());
  for (const auto& server : servers) server_ptrs.push_back(server.c_str());
  s = natsOptions_SetServers(raw, server_ptrs.data(), static_cast<int>(server_ptrs.size()));
  if (s != NATS_OK) {
    error = "NATS URL " + shown + " is not valid: " + nats_error(s);
    return nullptr;
  }
  s = natsOptions_SetName(raw, client_name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(raw, settings.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(raw, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(raw, settings.reconnect_wait.count());
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(raw, kReconnectBufferBytes);
  if (s == NATS_OK) s = natsOptions_SetWriteDeadline(raw, kWriteDeadlineMs);
  // Our own messages would only be decoded to be ignored.
  if (s == NATS_OK) s = natsOptions_SetNoEcho(raw, true);
  // With a connected callback, a server that is down makes Connect return at once and keep
  // trying in the background; without one it would block until the server comes up.
  if (s == NATS_OK)
    s = natsOptions_SetRetryOnFailedConnect(
        raw, true,
        [](natsConnection* nc, void* closure) {
          guarded("connected", [&] { broker_of(closure)->on_connected(nc, true); });
        },
        self);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectedCB(
        raw,
        [](natsConnection* nc, void* closure) {
          guarded("reconnected", [&] { broker_of(closure)->on_connected(nc, false); });
        },
        self);
  if (s == NATS_OK)
    s = natsOptions_SetDisconnectedCB(
        raw,
        [](natsConnection*, void* closure) {
          guarded("disconnected", [&] { broker_of(closure)->on_disconnected(); });
        },
        self);
  if (s == NATS_OK)
    s = natsOptions_SetClosedCB(
        raw,
        [](natsConnection*, void* closure) {
          guarded("closed", [&] { broker_of(closure)->on_closed(); });
        },
        self);
  if (s == NATS_OK)
    s = natsOptions_SetErrorHandler(
        raw,
        [](natsConnection*, natsSubscription*, natsStatus err, void* closure) {
          guarded("error", [&] { broker_of(closure)->on_async_error(err); });
        },
        self);
  if (s != NATS_OK) {
    error = "NATS options for " + shown + " refused: " + nats_error(s);
    return nullptr;
  }

  s = natsConnection_Connect(&broker->connection_, raw);
  if (s == NATS_OK) {
    Link expected = Link::connecting;
    broker->link_.compare_exchange_strong(expected, Link::connected);
    log::info("NATS connected", {{"url", shown}, {"subject", settings.subject}});
  } else if (s == NATS_NOT_YET_CONNECTED) {
    log::warn("NATS not reachable yet; connecting in the background",
              {{"url", shown}, {"retryEvery_ms", settings.reconnect_wait.count()}});
  } else {
    broker->connection_ = nullptr;
    error = "cannot use NATS URL " + shown + ": " + nats_error(s);
    return nullptr;
  }
  broker->publisher_ = std::thread([b = broker.get()] { b->publish_loop(); });
  return broker;
}

NatsBroker::~NatsBroker() {
  closing_ = true;
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();

  // nats.c may be running our callbacks on its threads: each handle is released only once its
  // last callback has returned, so none can reach a destroyed member.
  if (subscription_) {
    natsSubscription_Unsubscribe(subscription_);
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [&] { return subscription_done_; });
    lock.unlock();
    natsSubscription_Destroy(subscription_);
  }
  if (connection_) {
    // The closed callback is the connection's last: nats.c posts it after joining the threads
    // that post the others, and runs its callbacks in order on one thread.
    natsConnection_Close(connection_);
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [&] { return closed_; });
    lock.unlock();
    natsConnection_Destroy(connection_);
  }
  // No nats_Close(): another broker may still use the library; the process exit frees it.
}

void NatsBroker::start(BrokerEvents events) {
  events_ = std::move(events);
  started_.store(true, std::memory_order_release);
  natsStatus s = natsConnection_Subscribe(
      &subscription_, connection_, settings_.subject.c_str(),
      [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
        guarded("message", [&] {
          broker_of(closure)->on_message(
              std::string_view(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
        });
        natsMsg_Destroy(msg);
      },
      this);
  if (s != NATS_OK) {
    subscription_ = nullptr;
    log::error("NATS subscribe failed; this node will not see other nodes' events",
               {{"url", shown_url_}, {"subject", settings_.subject}, {"error", nats_error(s)}});
    return;
  }
  if (natsSubscription_SetOnCompleteCB(
          subscription_, [](void* closure) { broker_of(closure)->on_subscription_done(); }, this) !=
      NATS_OK) {
    std::lock_guard lock(done_mu_);
    subscription_done_ = true;  // nothing to wait for
  }
  natsSubscription_SetPendingLimits(subscription_, kPendingMessages, kPendingBytes);
  // Once the server has answered a ping it has the subscription: what other nodes share from
  // now on reaches this node. While disconnected the reconnect sends it (see on_connected).
  if (link_ == Link::connected)
    natsConnection_FlushTimeout(connection_, settings_.connect_timeout.count());
}

void NatsBroker::share(DeliveryBatch own) {
  if (!own || own->empty()) return;
  const std::size_t bytes = batch_bytes(*own);
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    if (queued_bytes_ + bytes > kMaxQueuedBytes) {
      warn_throttled(log_throttle_, "NATS publish queue full; events not shared",
                     {{"events", own->size()},
                      {"queuedBytes", queued_bytes_},
                      {"why", "the other nodes catch up from the store"}});
      return;
    }
    queued_bytes_ += bytes;
    queue_.push_back(std::move(own));
  }
  queue_cv_.notify_one();
}

bool NatsBroker::healthy() const {
  return link_ == Link::connected;
}

std::string NatsBroker::status() const {
  switch (link_.load()) {
    case Link::connecting:
      return "connecting";
    case Link::connected:
      return "connected";
    case Link::reconnecting:
      return "reconnecting";
    case Link::closed:
      return "closed";
  }
  return "unknown";
}

void NatsBroker::publish_loop() {
  while (true) {
    DeliveryBatch batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= batch_bytes(*batch);
    }
    guarded("publish", [&] { publish(*batch); });
  }
}

void NatsBroker::publish(const std::vector<Delivery>& batch) {
  const std::int64_t server_max = natsConnection_GetMaxPayload(connection_);
  const std::size_t max_bytes =
      server_max > 0 ? static_cast<std::size_t>(server_max) : kDefaultBrokerMessageBytes;
  std::size_t oversized = 0;
  const auto messages = encode_broker_messages(settings_.node_id, batch, max_bytes, oversized);
  if (oversized)
    warn_throttled(log_throttle_, "event larger than the NATS max_payload; not shared",
                   {{"events", oversized},
                    {"maxPayload", max_bytes},
                    {"why", "the other nodes catch up from the store"}});
  for (const auto& message : messages) {
    const natsStatus s = natsConnection_Publish(connection_, settings_.subject.c_str(),
                                                message.data(), static_cast<int>(message.size()));
    if (s != NATS_OK)
      warn_throttled(log_throttle_, "NATS publish failed; events not shared",
                     {{"url", shown_url_},
                      {"error", nats_error(s)},
                      {"why", "the other nodes catch up from the store"}});
  }
}

void NatsBroker::on_message(std::string_view bytes) {
  if (!started_.load(std::memory_order_acquire) || closing_) return;
  std::string error;
  auto message = decode_broker_message(bytes, error);
  if (!message) {
    warn_throttled(log_throttle_, "NATS message dropped: not a voxgate broker message",
                   {{"subject", settings_.subject}, {"bytes", bytes.size()}, {"error", error}});
    return;
  }
  // NoEcho keeps our own messages away; this also ignores another process with our node id.
  if (message->node_id == settings_.node_id || message->events.empty()) return;
  events_.remote(std::make_shared<const std::vector<Delivery>>(std::move(message->events)));
}

void NatsBroker::on_connected(natsConnection* nc, bool first) {
  if (closing_) return;
  link_ = Link::connected;
  log::info(first ? "NATS connected" : "NATS reconnected",
            {{"url", shown_url_}, {"subject", settings_.subject}});
  // nats.c has queued the subscription again before this callback but flushes it only after:
  // once the server answers a ping it has the subscription, and the store read that follows
  // cannot miss an event shared in between.
  natsConnection_FlushTimeout(nc, settings_.connect_timeout.count());
  resync(first ? "connected" : "reconnected");
}

void NatsBroker::on_disconnected() {
  if (closing_) return;
  link_ = Link::reconnecting;
  log::warn("NATS disconnected; reconnecting",
            {{"url", shown_url_}, {"retryEvery_ms", settings_.reconnect_wait.count()}});
}

void NatsBroker::on_closed() {
  link_ = Link::closed;
  if (!closing_)
    log::error("NATS connection closed; this node no longer shares events", {{"url", shown_url_}});
  std::lock_guard lock(done_mu_);
  closed_ = true;
  done_cv_.notify_all();
}

void NatsBroker::on_async_error(int status) {
  if (closing_) return;
  if (status == NATS_SLOW_CONSUMER) {
    warn_throttled(log_throttle_, "NATS messages dropped: this node reads too slowly",
                   {{"subject", settings_.subject}, {"why", "catching up from the store"}});
    resync("slow consumer");
    return;
  }
  warn_throttled(
      log_throttle_, "NATS error",
      {{"url", shown_url_}, {"error", natsStatus_GetText(static_cast<natsStatus>(status))}});
}

void NatsBroker::on_subscription_done() {
  std::lock_guard lock(done_mu_);
  subscription_done_ = true;
  done_cv_.notify_all();
}

void NatsBroker::resync(std::string_view why) {
  if (!started_.load(std::memory_order_acquire) || closing_) return;
  log::info("NATS resync: catching up from the store", {{"reason", why}});
  events_.resync();
}

}  // namespace voxgate
