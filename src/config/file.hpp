#pragma once
// The TOML half of loading: one file's values into a Config, every problem with its line.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace voxgate {

// Reads the file at `path` into `config`, recording "file" as each value's source. Problems are
// appended to `errors` as "path:line:column: text"; unknown keys and wrong types are problems.
void read_config_file(const std::string& path, Config& config, std::vector<std::string>& errors);

}  // namespace voxgate
