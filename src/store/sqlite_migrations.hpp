#pragma once
// The SQLite schema as an ordered list of migrations. Later features append to the list
// (web-voice sessions next); an applied one never changes.

#include <span>
#include <string_view>

namespace voxgate {

struct Migration {
  int version;            // 1, 2, 3, ... in order, no gaps
  std::string_view name;  // recorded in schema_migrations, for people reading the database
  std::string_view sql;   // one or more statements, run in the migration's transaction
};

std::span<const Migration> sqlite_migrations();

}  // namespace voxgate
