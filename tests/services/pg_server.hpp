#pragma once
// A real PostgreSQL for the tests: VOXGATE_TEST_PG_URL when set, else Debian's server started by
// tests/services/services.sh in a scratch folder for this test process. Each test gets a schema
// of its own, so tests never see each other's rows.

#include <string>

namespace voxgate::testing {

// The server's URL; starts it on first use. Fails the test (never skips) when it cannot.
const std::string& pg_server_url();

// Stops and starts the server this process started (restart tests); false when the URL came
// from the environment, which this process does not own.
bool pg_server_stop();
bool pg_server_start();

// A fresh, empty schema; the returned URL makes it the connection's search_path.
std::string pg_fresh_schema_url(const std::string& name_hint);

// The first column of the first row of `sql`, through plain libpq on `url`: an independent
// reading of what the store wrote. -1 when there is no row.
long long pg_count(const std::string& url, const std::string& sql);
void pg_exec(const std::string& url, const std::string& sql);

}  // namespace voxgate::testing
