#include "ops/metrics.hpp"

namespace voxgate {
namespace {

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
}

std::int64_t read(const Counter& c) {
  return static_cast<std::int64_t>(c.value());
}
std::int64_t read(const Gauge& g) {
  return g.value();
}

}  // namespace

template <class Metric>
void Family<Metric>::render(std::string& out, std::string_view type) const {
  out += "# HELP " + name_ + " " + help_ + "\n";
  out += "# TYPE " + name_ + " ";
  out += type;
  out += "\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, metric] : series_) {
    out += name_;
    if (!labels_.empty()) {
      out += '{';
      for (std::size_t i = 0; i < labels_.size() && i < key.size(); ++i) {
        if (i) out += ',';
        out += labels_[i] + "=\"";
        append_label_value(out, key[i]);
        out += '"';
      }
      out += '}';
    }
    out += " " + std::to_string(read(*metric)) + "\n";
  }
}

template class Family<Counter>;
template class Family<Gauge>;

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  out +=
      "# HELP voxgate_build_info Build of the running binary.\n# TYPE voxgate_build_info gauge\n";
  out += "voxgate_build_info{version=\"" VOXGATE_VERSION "\",commit=\"" VOXGATE_COMMIT "\"} 1\n";
  connections_open.render(out, "gauge");
  connections_rejected.render(out, "counter");
  limit_refusals.render(out, "counter");
  upgrades_accepted.render(out, "counter");
  upgrades_rejected.render(out, "counter");
  http_requests.render(out, "counter");
  config_reloads.render(out, "counter");
  events_published.render(out, "counter");
  events_delivered.render(out, "counter");
  events_read_for_fanout.render(out, "counter");
  events_dropped.render(out, "counter");
  live_subscribes.render(out, "counter");
  webhooks.render(out, "counter");
  web_voice_calls.render(out, "counter");
  web_voice_dropped.render(out, "counter");
  web_voice_audio_frames.render(out, "counter");
  web_voice_audio_bytes.render(out, "counter");
  ws_closes.render(out, "counter");
  return out;
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace voxgate
