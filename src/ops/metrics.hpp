#pragma once
// Prometheus metrics: lock-free counters and gauges, label sets fixed at first use.

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// A metric with labels; `with()` returns a stable reference, so hot paths look it up once.
template <class Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

  Metric& with(std::initializer_list<std::string_view> values) {
    std::vector<std::string> key(values.begin(), values.end());
    std::lock_guard lock(mu_);
    auto& slot = series_[key];
    if (!slot) slot = std::make_unique<Metric>();
    return *slot;
  }

  void render(std::string& out, std::string_view type) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

struct Metrics {
  Family<Gauge> connections_open{
      "voxgate_connections_open", "Open connections by route (http before an upgrade).", {"route"}};
  Family<Counter> connections_rejected{
      "voxgate_connections_rejected_total", "Connections refused before any request.", {"reason"}};
  Family<Counter> limit_refusals{"voxgate_limit_refusals_total",
                                 "Connections, requests and messages a per-client limit turned "
                                 "away, by the [limits] option.",
                                 {"limit"}};
  Family<Counter> upgrades_accepted{
      "voxgate_ws_upgrades_accepted_total", "WebSocket upgrades accepted.", {"route"}};
  Family<Counter> upgrades_rejected{
      "voxgate_ws_upgrades_rejected_total", "WebSocket upgrades refused, by reason.", {"reason"}};
  Family<Counter> http_requests{
      "voxgate_http_requests_total", "HTTP requests by route and status.", {"route", "status"}};
  Family<Counter> config_reloads{
      "voxgate_config_reloads_total", "Configuration reloads by result.", {"result"}};
  Family<Counter> events_published{
      "voxgate_events_published_total", "Events stored and handed to fan-out.", {}};
  Family<Counter> events_delivered{
      "voxgate_events_delivered_total", "Event deliveries queued to subscribers.", {}};
  Family<Counter> events_read_for_fanout{
      "voxgate_events_read_for_fanout_total",
      "Other nodes' events read from the store for live delivery, because the broker had not "
      "brought them first.",
      {}};
  Family<Counter> events_dropped{
      "voxgate_events_dropped_total", "Event deliveries not made, by reason.", {"reason"}};
  Family<Counter> live_subscribes{"voxgate_live_subscribes_total",
                                  "Subscribe attempts on /ws/live-calls, by result.",
                                  {"result"}};
  Family<Counter> webhooks{"voxgate_webhooks_total",
                           "Vapi webhook deliveries by outcome (stored, duplicate, unroutable, "
                           "ignored, unauthorized, malformed, failed).",
                           {"result"}};
  Family<Counter> web_voice_calls{
      "voxgate_web_voice_calls_total", "Browser test calls ended, by reason.", {"reason"}};
  Family<Counter> web_voice_dropped{
      "voxgate_web_voice_audio_dropped_total",
      "Audio frames of browser test calls dropped because the receiving side was behind.",
      {"direction"}};
  Family<Counter> web_voice_audio_frames{
      "voxgate_web_voice_audio_frames_total",
      "Audio frames of browser test calls relayed (to_provider, to_browser).",
      {"direction"}};
  Family<Counter> web_voice_audio_bytes{"voxgate_web_voice_audio_bytes_total",
                                        "Audio bytes of browser test calls relayed.",
                                        {"direction"}};
  Family<Counter> ws_closes{"voxgate_ws_closes_total",
                            "WebSocket closes sent by the server, by code.",
                            {"route", "code"}};

  std::string render() const;  // the whole /metrics body
};

Metrics& metrics();

}  // namespace voxgate
