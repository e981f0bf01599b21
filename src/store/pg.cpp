#include "store/pg.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <charconv>

#include "ops/log.hpp"
#include "store/event_store.hpp"

namespace voxgate {
namespace {

// libpq's defaults when the URL says nothing: a dead server is noticed within seconds, not at
// the kernel's two-hour keepalive, and the server's activity view names the gateway.
constexpr const char* default_keywords[] = {"connect_timeout", "keepalives_idle",
                                            "keepalives_interval", "keepalives_count",
                                            "application_name"};
constexpr const char* default_values[] = {"5", "10", "5", "3", "voxgate"};

template <typename T>
T parse_number(const char* text, int length, std::string_view what) {
  T value{};
  const auto [end, error] = std::from_chars(text, text + length, value);
  if (error != std::errc{} || end != text + length)
    throw StoreError("PostgreSQL returned \"" + std::string(text, length) + "\" for " +
                     std::string(what));
  return value;
}

}  // namespace

std::string redact_database_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "(a database URL that does not parse)";
  boost::urls::url u(*parsed);
  if (u.has_password()) u.set_password("***");
  if (u.params().contains("password")) u.params().set("password", "***");
  return std::string(u.buffer());
}

namespace {

template <typename Item, typename Write>
std::string array_of(const std::vector<Item>& items, Write write) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    write(out, item);
  }
  out += '}';
  return out;
}

std::string shortest(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

}  // namespace

std::string pg_array(const std::vector<std::string_view>& items) {
  return array_of(items, [](std::string& out, std::string_view item) {
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  });
}

std::string pg_array(const std::vector<std::int64_t>& items) {
  return array_of(items, [](std::string& out, std::int64_t item) { out += std::to_string(item); });
}

std::string pg_array(const std::vector<std::optional<std::int64_t>>& items) {
  return array_of(items, [](std::string& out, const std::optional<std::int64_t>& item) {
    out += item ? std::to_string(*item) : "NULL";
  });
}

std::string pg_array(const std::vector<std::optional<double>>& items) {
  return array_of(items, [](std::string& out, const std::optional<double>& item) {
    out += item ? shortest(*item) : "NULL";
  });
}

PgParams& PgParams::text(std::string_view value) {
  // libpq's text parameters end at a NUL, and PostgreSQL's text cannot hold one.
  if (value.find('\0') != std::string_view::npos)
    throw StoreError("PostgreSQL cannot store text with a NUL character");
  values_.emplace_back(value);
  null_.push_back(false);
  return *this;
}

PgParams& PgParams::integer(std::int64_t value) {
  return text(std::to_string(value));
}

PgParams& PgParams::real(double value) {
  return text(shortest(value));  // reads back as the same double
}

PgParams& PgParams::null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t PgResult::integer(int row, int column) const {
  return parse_number<std::int64_t>(PQgetvalue(result_.get(), row, column),
                                    PQgetlength(result_.get(), row, column), "an integer");
}

double PgResult::real(int row, int column) const {
  return parse_number<double>(PQgetvalue(result_.get(), row, column),
                              PQgetlength(result_.get(), row, column), "a number");
}

std::optional<std::int64_t> PgResult::optional_integer(int row, int column) const {
  if (null(row, column)) return std::nullopt;
  return integer(row, column);
}

std::optional<double> PgResult::optional_real(int row, int column) const {
  if (null(row, column)) return std::nullopt;
  return real(row, column);
}

std::int64_t PgResult::affected() const {
  const char* text = PQcmdTuples(result_.get());
  const int length = static_cast<int>(std::char_traits<char>::length(text));
  return length == 0 ? 0 : parse_number<std::int64_t>(text, length, "a row count");
}

std::unique_ptr<PgConnection> PgConnection::connect(const std::string& url, std::string& error) {
  std::vector<const char*> keywords(std::begin(default_keywords), std::end(default_keywords));
  std::vector<const char*> values(std::begin(default_values), std::end(default_values));
  // Last, so what the URL says overrides the defaults above (expand_dbname = 1).
  keywords.push_back("dbname");
  values.push_back(url.c_str());
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), 1);
  std::string server = redact_database_url(url);
  if (!conn) {
    error = "cannot connect to PostgreSQL at " + server + ": out of memory";
    return nullptr;
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    error = "cannot connect to PostgreSQL at " + server + ": " + reason;
    PQfinish(conn);
    return nullptr;
  }
  // Notices ("relation already exists, skipping") would go to stderr unformatted.
  PQsetNoticeProcessor(
      conn,
      [](void*, const char* text) {
        log::debug("PostgreSQL notice", {{"text", text}});
      },
      nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, std::move(server)));
}

PgResult PgConnection::check(PGresult* raw, std::string_view doing) {
  PgResult result(raw);
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  std::string reason = raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_);
  if (reason.empty()) reason = PQerrorMessage(conn_);
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  throw StoreError("PostgreSQL at " + server_ + ": " + std::string(doing) + ": " + reason);
}

void PgConnection::exec(std::string_view sql) {
  check(PQexec(conn_, std::string(sql).c_str()), sql);
}

PgResult PgConnection::query(std::string_view sql) {
  return check(PQexec(conn_, std::string(sql).c_str()), sql);
}

PgResult PgConnection::run(const PgStatement& statement, const PgParams& params) {
  if (!prepared_.contains(statement.name)) {
    check(PQprepare(conn_, statement.name, statement.sql, 0, nullptr),
          std::string("preparing ") + statement.name);
    prepared_.insert(statement.name);
  }
  std::vector<const char*> values;
  values.reserve(params.values_.size());
  for (std::size_t i = 0; i < params.values_.size(); ++i)
    values.push_back(params.null_[i] ? nullptr : params.values_[i].c_str());
  return check(PQexecPrepared(conn_, statement.name, static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, 0),
               statement.name);
}

}  // namespace voxgate
