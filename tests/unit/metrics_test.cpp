#include "ops/metrics.hpp"

#include <gtest/gtest.h>

namespace voxgate {
namespace {

TEST(Metrics, RendersPrometheusTextWithEscapedLabels) {
  Family<Counter> f("voxgate_test_total", "A test counter.", {"route", "status"});
  f.with({"/a", "200"}).inc(3);
  f.with({"we\"ird\\\n", "500"}).inc();
  EXPECT_EQ(&f.with({"/a", "200"}), &f.with({"/a", "200"})) << "the same series every time";
  std::string out;
  f.render(out, "counter");
  EXPECT_NE(out.find("# TYPE voxgate_test_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("voxgate_test_total{route=\"/a\",status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("route=\"we\\\"ird\\\\\\n\""), std::string::npos);
}

TEST(Metrics, GaugesGoBothWays) {
  Family<Gauge> g("voxgate_test_open", "A test gauge.", {"route"});
  g.with({"http"}).add(2);
  g.with({"http"}).add(-1);
  std::string out;
  g.render(out, "gauge");
  EXPECT_NE(out.find("voxgate_test_open{route=\"http\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace voxgate
