#include "bridge/echo_provider.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstring>
#include <string>

#include "bridge/tracking_id.hpp"

namespace voxgate {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::size_t kBytesPerSecond = 16000 * 2;  // 16 kHz, 16-bit mono
constexpr std::size_t kSecondsPerSummary = 3;

// Loudness of what was heard, as a microphone check shows it.
struct Level {
  double sum_squares = 0;
  std::uint64_t samples = 0;
  int peak = 0;

  void add(std::string_view pcm) {
    for (std::size_t i = 0; i + 1 < pcm.size(); i += 2) {
      std::int16_t s;
      std::memcpy(&s, pcm.data() + i, 2);  // little-endian, as the browser sends it
      sum_squares += static_cast<double>(s) * s;
      peak = std::max(peak, std::abs(static_cast<int>(s)));
      ++samples;
    }
  }
  static double dbfs(double amplitude) {
    return amplitude <= 0 ? -96.0 : std::max(-96.0, 20 * std::log10(amplitude / 32768.0));
  }
  double rms_dbfs() const { return samples ? dbfs(std::sqrt(sum_squares / samples)) : -96.0; }
  double peak_dbfs() const { return dbfs(peak); }
};

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

class EchoUpstream final : public Upstream, public std::enable_shared_from_this<EchoUpstream> {
 public:
  EchoUpstream(asio::any_io_executor executor, std::weak_ptr<UpstreamHandler> handler)
      : executor_(std::move(executor)), handler_(std::move(handler)) {}

  void open() {
    post([](EchoUpstream& self, UpstreamHandler& h) {
      h.on_upstream_open();
      self.say_text(
          h, json::serialize(json::object{{"type", "status-update"}, {"status", "in-progress"}}));
    });
  }

  void send(SharedPayload payload, bool binary) override {
    if (closed_) return;
    if (!binary) {
      if (payload->find("\"end-call\"") != std::string::npos) finish("ended by the caller");
      return;
    }
    // The audio comes straight back, the same bytes.
    post([payload](EchoUpstream& self, UpstreamHandler& h) {
      h.on_upstream_message(*payload, true);
      self.heard(h, *payload);
    });
  }

  std::size_t queued_bytes() const override { return 0; }

  void close() override { finish("closed by voxgate"); }

 private:
  template <class F>
  void post(F f) {
    asio::post(executor_, [self = shared_from_this(), f = std::move(f)]() mutable {
      if (auto h = self->handler_.lock(); h && !self->reported_closed_) f(*self, *h);
    });
  }

  void say_text(UpstreamHandler& h, const std::string& text) { h.on_upstream_message(text, false); }

  void say_transcript(UpstreamHandler& h, std::string_view role, bool final,
                      const std::string& words) {
    say_text(h, json::serialize(json::object{{"type", "transcript"},
                                             {"role", role},
                                             {"transcriptType", final ? "final" : "partial"},
                                             {"transcript", words}}));
  }

  void heard(UpstreamHandler& h, std::string_view pcm) {
    std::size_t before = bytes_ / kBytesPerSecond;
    bytes_ += pcm.size();
    level_.add(pcm);
    std::size_t seconds = bytes_ / kBytesPerSecond;
    if (seconds == before) return;
    std::string heard = fixed1(static_cast<double>(bytes_) / kBytesPerSecond) + " s of audio";
    say_transcript(h, "user", false,
                   "(hearing you: " + heard + ", level " + fixed1(level_.rms_dbfs()) + " dBFS)");
    if (seconds % kSecondsPerSummary) return;
    say_transcript(h, "assistant", true,
                   "I heard " + heard + " at an average level of " + fixed1(level_.rms_dbfs()) +
                       " dBFS, peak " + fixed1(level_.peak_dbfs()) + " dBFS.");
  }

  void finish(std::string reason) {
    if (closed_) return;
    closed_ = true;
    post([reason = std::move(reason)](EchoUpstream& self, UpstreamHandler& h) {
      self.say_text(h, json::serialize(json::object{{"type", "status-update"},
                                                    {"status", "ended"},
                                                    {"endedReason", "customer-ended-call"}}));
      self.reported_closed_ = true;
      h.on_upstream_closed(reason);
    });
  }

  asio::any_io_executor executor_;
  std::weak_ptr<UpstreamHandler> handler_;
  std::uint64_t bytes_ = 0;
  Level level_;
  bool closed_ = false, reported_closed_ = false;
};

class EchoProvider final : public VoiceProvider {
 public:
  std::string_view name() const override { return "echo"; }

  void create_call(const ProviderCallRequest&, asio::any_io_executor executor,
                   std::function<void(CreateCallResult)> done) override {
    asio::post(executor, [done = std::move(done)] {
      done(ProviderCall{new_tracking_id(), "echo:"});
    });
  }

  std::shared_ptr<Upstream> connect(const ProviderCall&, asio::any_io_executor executor,
                                    std::weak_ptr<UpstreamHandler> handler) override {
    auto upstream = std::make_shared<EchoUpstream>(std::move(executor), std::move(handler));
    upstream->open();
    return upstream;
  }
};

}  // namespace

std::unique_ptr<VoiceProvider> make_echo_provider() {
  return std::make_unique<EchoProvider>();
}

}  // namespace voxgate
