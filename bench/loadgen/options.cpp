#include "options.hpp"

#include <charconv>
#include <stdexcept>

namespace loadgen {
namespace {

template <class T>
T parse_as(const std::string& key, const std::string& value) {
  T out{};
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size())
    throw std::invalid_argument("--" + key + ": \"" + value + "\" is not a number");
  return out;
}

}  // namespace

Options::Options(int argc, char** argv) {
  if (argc < 2) throw std::invalid_argument("missing scenario");
  scenario_ = argv[1];
  for (int i = 2; i < argc; i += 2) {
    std::string key = argv[i];
    if (!key.starts_with("--") || key.size() < 3)
      throw std::invalid_argument("expected --key value, got \"" + key + "\"");
    if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
    values_[key.substr(2)] = argv[i + 1];
  }
}

const std::string* Options::find(const std::string& key) const {
  used_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Options::text(const std::string& key, const std::string& fallback) const {
  const std::string* v = find(key);
  return v ? *v : fallback;
}

std::string Options::required_text(const std::string& key) const {
  const std::string* v = find(key);
  if (!v || v->empty()) throw std::invalid_argument("--" + key + " is required");
  return *v;
}

std::int64_t Options::integer(const std::string& key, std::int64_t fallback) const {
  const std::string* v = find(key);
  return v ? parse_as<std::int64_t>(key, *v) : fallback;
}

double Options::number(const std::string& key, double fallback) const {
  const std::string* v = find(key);
  return v ? parse_as<double>(key, *v) : fallback;
}

std::vector<std::int64_t> Options::integers(const std::string& key,
                                            const std::vector<std::int64_t>& fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= v->size()) {
    std::size_t comma = v->find(',', start);
    if (comma == std::string::npos) comma = v->size();
    out.push_back(parse_as<std::int64_t>(key, v->substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

void Options::reject_unused() const {
  for (const auto& [key, value] : values_)
    if (!used_.count(key))
      throw std::invalid_argument("--" + key + " is not an option of scenario " + scenario_);
}

}  // namespace loadgen
