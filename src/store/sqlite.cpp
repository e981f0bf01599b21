#include "store/sqlite.hpp"

#include <exception>

#include "store/event_store.hpp"

namespace voxgate {

std::unique_ptr<SqliteDb> SqliteDb::open(const std::string& path, int flags, std::string& error) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    // SQLite may hand back a handle even on failure; it carries the message and must be closed.
    error = "cannot open SQLite file \"" + path +
            "\": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return nullptr;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
}

SqliteDb::~SqliteDb() {
  sqlite3_close_v2(db_);
}

void SqliteDb::exec(std::string_view sql, std::string_view doing) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    fail(doing.empty() ? sql : doing);
}

std::string SqliteDb::first_text(std::string_view sql) {
  SqliteStatement statement(*this, sql);
  SqliteQuery query(statement);
  return query.next() ? query.text(0) : std::string();
}

std::string SqliteDb::describe_error(std::string_view doing) const {
  return "SQLite file \"" + path_ + "\": " + std::string(doing) + ": " + sqlite3_errmsg(db_);
}

void SqliteDb::fail(std::string_view doing) const {
  throw StoreError(describe_error(doing));
}

SqliteStatement::SqliteStatement(SqliteDb& db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
    db.fail("preparing " + std::string(sql));
}

SqliteQuery::~SqliteQuery() {
  sqlite3_reset(statement_.stmt_);
  sqlite3_clear_bindings(statement_.stmt_);
}

SqliteQuery& SqliteQuery::bind(int index, std::string_view text) {
  if (sqlite3_bind_text64(statement_.stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK)
    statement_.db_.fail("binding a parameter");
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::int64_t number) {
  if (sqlite3_bind_int64(statement_.stmt_, index, number) != SQLITE_OK)
    statement_.db_.fail("binding a parameter");
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, double number) {
  if (sqlite3_bind_double(statement_.stmt_, index, number) != SQLITE_OK)
    statement_.db_.fail("binding a parameter");
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::nullopt_t) {
  if (sqlite3_bind_null(statement_.stmt_, index) != SQLITE_OK)
    statement_.db_.fail("binding a parameter");
  return *this;
}

bool SqliteQuery::next() {
  const int rc = sqlite3_step(statement_.stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  statement_.db_.fail(sqlite3_sql(statement_.stmt_));
}

void SqliteQuery::run() {
  while (next()) {
  }
}

std::int64_t SqliteQuery::integer(int column) const {
  return sqlite3_column_int64(statement_.stmt_, column);
}

double SqliteQuery::real(int column) const {
  return sqlite3_column_double(statement_.stmt_, column);
}

bool SqliteQuery::null(int column) const {
  return sqlite3_column_type(statement_.stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> SqliteQuery::optional_integer(int column) const {
  if (null(column)) return std::nullopt;
  return integer(column);
}

std::optional<double> SqliteQuery::optional_real(int column) const {
  if (null(column)) return std::nullopt;
  return real(column);
}

std::string SqliteQuery::text(int column) const {
  // Pointer first, then size: the documented order for a value converted to text.
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_.stmt_, column));
  const int size = sqlite3_column_bytes(statement_.stmt_, column);
  return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

SqliteTransaction::SqliteTransaction(SqliteDb& db, Kind kind)
    : db_(db),
      joined_(!sqlite3_get_autocommit(db.handle())),
      exceptions_at_start_(std::uncaught_exceptions()) {
  if (joined_) return;
  db_.exec(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN");
  db_.joined_work_failed_ = false;
}

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  if (joined_) {
    if (std::uncaught_exceptions() > exceptions_at_start_) db_.joined_work_failed_ = true;
    return;
  }
  // SQLite may already have rolled back on its own (e.g. disk full); then there is nothing to undo.
  if (!sqlite3_get_autocommit(db_.handle()))
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
  if (!joined_) {
    if (db_.joined_work_failed_)
      throw StoreError("SQLite file \"" + db_.path() +
                       "\": a write inside the transaction failed, so none of it was committed");
    db_.exec("COMMIT");
  }
  open_ = false;
}

}  // namespace voxgate
