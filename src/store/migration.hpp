#pragma once
// One step of a store's schema; each backend keeps its own ordered list with the same versions.

#include <string_view>

namespace voxgate {

struct Migration {
  int version;            // 1, 2, 3, ... in order, no gaps
  std::string_view name;  // recorded in schema_migrations, for people reading the database
  std::string_view sql;   // one or more statements, run in the migration's transaction
};

}  // namespace voxgate
