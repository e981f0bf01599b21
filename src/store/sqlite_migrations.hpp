#pragma once
// The SQLite schema as an ordered list of migrations. Later features append to the list
// (web-voice sessions next); an applied one never changes.

#include <span>

#include "store/migration.hpp"

namespace voxgate {

std::span<const Migration> sqlite_migrations();

}  // namespace voxgate
