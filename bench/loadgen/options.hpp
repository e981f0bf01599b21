#pragma once
// `voxgate_loadgen <scenario> --key value ...`: every value is read through a typed getter with
// its default, and a key no scenario read is an error, so a typo never runs a default silently.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace loadgen {

class Options {
 public:
  // Throws std::invalid_argument on a malformed command line.
  Options(int argc, char** argv);

  const std::string& scenario() const { return scenario_; }
  std::string text(const std::string& key, const std::string& fallback) const;
  std::string required_text(const std::string& key) const;
  std::int64_t integer(const std::string& key, std::int64_t fallback) const;
  double number(const std::string& key, double fallback) const;
  std::vector<std::int64_t> integers(const std::string& key,
                                     const std::vector<std::int64_t>& fallback) const;
  // Throws when a key was given that no getter asked for.
  void reject_unused() const;

 private:
  const std::string* find(const std::string& key) const;

  std::string scenario_;
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
};

}  // namespace loadgen
