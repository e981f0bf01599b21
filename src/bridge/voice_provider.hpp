#pragma once
// The voice provider behind a browser test call (protocol section 5): it creates a call and
// opens the call's audio socket. Vapi over the network, or the built-in echo agent.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "net/ws_connection.hpp"

namespace voxgate {

struct ProviderCallRequest {
  std::string assistant_id;  // empty: the provider's default
  std::string org_id;        // carried in assistantOverrides.metadata
  std::string user_id;
  std::string tracking_id;
};

struct ProviderCall {
  std::string call_id;        // the provider's call id (vapiCallId)
  std::string websocket_url;  // the call's audio socket; a secret: never logged
};

struct ProviderError {
  int status = 502;     // 502: the provider refused or failed; 504: it did not answer in time
  std::string message;  // the provider's own message when it gave one; never holds the key
};

using CreateCallResult = std::variant<ProviderCall, ProviderError>;

// What the provider's side of a call's socket reports. Every call runs on the executor given
// to VoiceProvider::connect.
class UpstreamHandler {
 public:
  virtual ~UpstreamHandler() = default;
  virtual void on_upstream_open() = 0;
  // `data` is valid during the call only.
  virtual void on_upstream_message(std::string_view data, bool binary) = 0;
  // Exactly once: the provider closed, the connection failed, or close() finished.
  virtual void on_upstream_closed(std::string reason) = 0;
};

class Upstream {
 public:
  virtual ~Upstream() = default;
  // On the connect executor. Frames sent before the socket opens wait for it.
  virtual void send(SharedPayload payload, bool binary) = 0;
  virtual std::size_t queued_bytes() const = 0;
  // Sends what is queued, then closes; on_upstream_closed follows.
  virtual void close() = 0;
};

class VoiceProvider {
 public:
  virtual ~VoiceProvider() = default;
  virtual std::string_view name() const = 0;  // "vapi" or "echo", for logs and /ready
  // From any thread; `done` runs on `executor`, exactly once.
  virtual void create_call(const ProviderCallRequest& request,
                           boost::asio::any_io_executor executor,
                           std::function<void(CreateCallResult)> done) = 0;
  // On the executor's thread: opens the call's socket. The handler is held weakly: a handler
  // that is gone gets no callbacks.
  virtual std::shared_ptr<Upstream> connect(const ProviderCall& call,
                                            boost::asio::any_io_executor executor,
                                            std::weak_ptr<UpstreamHandler> handler) = 0;
};

}  // namespace voxgate
