#pragma once
// Thin RAII over libpq: a connection with statements prepared on first use, a result, and text
// parameters. Every failure becomes a StoreError that names the server (never its password).

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace voxgate {

// `url` without its password, for messages and logs.
std::string redact_database_url(std::string_view url);

// Array literals for one-round-trip batches (unnest): elements quoted and escaped, so any text
// survives; an unset optional is NULL.
std::string pg_array(const std::vector<std::string_view>& items);
std::string pg_array(const std::vector<std::int64_t>& items);
std::string pg_array(const std::vector<std::optional<std::int64_t>>& items);
std::string pg_array(const std::vector<std::optional<double>>& items);

// A statement prepared once per connection under `name`.
struct PgStatement {
  const char* name;
  const char* sql;
};

// Parameters in libpq's text format; an unset optional is NULL.
class PgParams {
 public:
  PgParams& text(std::string_view value);
  PgParams& integer(std::int64_t value);
  PgParams& real(double value);
  PgParams& null();
  template <typename T>
  PgParams& optional(const std::optional<T>& value) {
    if (!value) return null();
    if constexpr (std::is_floating_point_v<T>)
      return real(*value);
    else if constexpr (std::is_integral_v<T>)
      return integer(*value);
    else
      return text(*value);
  }

 private:
  friend class PgConnection;
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool null(int row, int column) const { return PQgetisnull(result_.get(), row, column); }
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  double real(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;
  std::optional<double> optional_real(int row, int column) const;
  std::int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class PgConnection {
 public:
  // nullptr with `error` set (naming the server) when the connection cannot be made.
  static std::unique_ptr<PgConnection> connect(const std::string& url, std::string& error);
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // SQL text without parameters (BEGIN, COMMIT, schema); may hold several statements.
  void exec(std::string_view sql);
  PgResult query(std::string_view sql);  // one statement without parameters that returns rows
  PgResult run(const PgStatement& statement, const PgParams& params = {});

  // After a failure: the server went away, so the pool must not hand this connection out again.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  // A statement failed inside the open transaction: COMMIT would quietly roll it back.
  bool transaction_failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }
  const std::string& server() const { return server_; }

 private:
  PgConnection(PGconn* conn, std::string server) : conn_(conn), server_(std::move(server)) {}
  PgResult check(PGresult* result, std::string_view doing);
  PGconn* conn_;
  std::string server_;  // the redacted URL
  std::unordered_set<std::string> prepared_;
};

}  // namespace voxgate
