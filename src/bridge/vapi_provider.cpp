#include "bridge/vapi_provider.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <optional>

#include "bridge/provider_transport.hpp"
#include "bridge/provider_url.hpp"
#include "bridge/vapi_call_client.hpp"
#include "bridge/vapi_call_request.hpp"
#include "bridge/vapi_upstream.hpp"

namespace voxgate {
namespace {

class VapiProvider final : public VoiceProvider {
 public:
  explicit VapiProvider(const VapiConfig& config)
      : default_assistant_(config.assistant_id),
        base_(parse_provider_url(config.base_url, ProviderUrlKind::http, base_error_)) {
    auto access = std::make_shared<ProviderAccess>();
    access->api_key = config.api_key;
    access->tls = make_provider_tls();
    access->connect_timeout = config.connect_timeout;
    access->request_timeout = config.request_timeout;
    access_ = std::move(access);
  }

  std::string_view name() const override { return "vapi"; }

  void create_call(const ProviderCallRequest& request, boost::asio::any_io_executor executor,
                   std::function<void(CreateCallResult)> done) override {
    ProviderCallRequest call = request;
    if (call.assistant_id.empty()) call.assistant_id = default_assistant_;
    if (auto refusal = refuse(call)) {
      boost::asio::post(executor,
                        [done = std::move(done), error = std::move(*refusal)] { done(error); });
      return;
    }
    start_vapi_call(access_, *base_, vapi_call_body(call), std::move(executor), std::move(done));
  }

  std::shared_ptr<Upstream> connect(const ProviderCall& call, boost::asio::any_io_executor executor,
                                    std::weak_ptr<UpstreamHandler> handler) override {
    return open_vapi_upstream(access_, call, std::move(executor), std::move(handler));
  }

 private:
  // What a misconfiguration looks like to the start request, with the setting to fix.
  std::optional<ProviderError> refuse(const ProviderCallRequest& call) const {
    if (!base_) return ProviderError{502, "[vapi].base_url (VAPI_BASE_URL): " + base_error_};
    if (access_->api_key.empty()) {
      return ProviderError{502, "no Vapi API key: set [vapi].api_key or VAPI_API_KEY"};
    }
    if (call.assistant_id.empty()) {
      return ProviderError{502,
                           "no assistant for the test call: the start request names none and "
                           "[vapi].assistant_id (VAPI_ASSISTANT_ID) is not set"};
    }
    return std::nullopt;
  }

  std::string default_assistant_;
  std::string base_error_;
  std::optional<ProviderUrl> base_;
  std::shared_ptr<const ProviderAccess> access_;
};

}  // namespace

std::unique_ptr<VoiceProvider> make_vapi_provider(const VapiConfig& config) {
  return std::make_unique<VapiProvider>(config);
}

}  // namespace voxgate
