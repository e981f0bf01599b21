#pragma once
// Thin RAII over the SQLite C API: a connection, kept prepared statements, one execution of a
// statement, and a transaction. Every failure becomes a StoreError naming the file.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

class SqliteDb {
 public:
  // nullptr with `error` set when the file cannot be opened.
  static std::unique_ptr<SqliteDb> open(const std::string& path, int flags, std::string& error);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs SQL text that returns no rows (pragmas, schema, BEGIN/COMMIT); `doing` names it in
  // errors, the SQL itself when empty.
  void exec(std::string_view sql, std::string_view doing = {});
  // Runs one statement and returns the first column of its first row; "" when no row.
  std::string first_text(std::string_view sql);

  [[noreturn]] void fail(std::string_view doing) const;  // throws StoreError with SQLite's text
  std::string describe_error(std::string_view doing) const;

  std::int64_t changes() const { return sqlite3_changes64(db_); }  // rows of the last statement
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  // Set when a transaction that joined an outer one was left by an exception: the outer one
  // must not commit work that stopped half-way, even if the exception was caught in between.
  bool joined_work_failed_ = false;
  friend class SqliteTransaction;
};

// A prepared statement kept for reuse; run it through SqliteQuery.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, std::string_view sql);
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

 private:
  friend class SqliteQuery;
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// One execution of a kept statement. Resets it when done, so a reused statement never holds a
// read snapshot open (which would stall WAL checkpoints).
class SqliteQuery {
 public:
  explicit SqliteQuery(SqliteStatement& statement) : statement_(statement) {}
  ~SqliteQuery();
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  // Parameters are numbered from 1, as in "?1"; text is copied by SQLite.
  SqliteQuery& bind(int index, std::string_view text);
  SqliteQuery& bind(int index, std::int64_t number);
  SqliteQuery& bind(int index, double number);
  SqliteQuery& bind(int index, std::nullopt_t);  // NULL
  template <typename T>
  SqliteQuery& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  bool next();  // true: a row is ready to read
  void run();   // steps a statement that returns no rows

  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  bool null(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::optional<double> optional_real(int column) const;

 private:
  SqliteStatement& statement_;
};

// BEGIN on construction; ROLLBACK on destruction unless committed. Opened while the connection
// is already in a transaction, it joins that one: it neither begins, commits nor rolls back, so
// several stores' writes can share one outer transaction.
class SqliteTransaction {
 public:
  enum class Kind { read, write };  // write takes the write lock at once (BEGIN IMMEDIATE)
  SqliteTransaction(SqliteDb& db, Kind kind);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  void commit();

 private:
  SqliteDb& db_;
  bool joined_;
  int exceptions_at_start_;  // std::uncaught_exceptions(), to tell unwinding from an early return
  bool open_ = true;
};

}  // namespace voxgate
