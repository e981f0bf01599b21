// Event history throughput: appends per second in batches of 1 and 100, and recovery reads.
// Run: build/<dir>/bench/voxgate_store_bench; the database file goes in $TMPDIR (default /tmp).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "store/sqlite_event_store.hpp"

namespace voxgate {
namespace {

namespace fs = std::filesystem;

constexpr int orgs = 100;

// A fresh database file per benchmark run, removed with its WAL afterwards.
class ScratchStore {
 public:
  explicit ScratchStore(SqliteSync sync) {
    dir_ = fs::temp_directory_path() / ("voxgate_store_bench_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string error;
    store_ = open_sqlite_event_store((dir_ / "bench.db").string(), error, sync);
    if (!store_) throw std::runtime_error(error);
  }
  ~ScratchStore() {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;
  EventStore* operator->() { return store_.get(); }

 private:
  fs::path dir_;
  std::unique_ptr<EventStore> store_;
};

// About the size of a final transcript line as the dashboard receives it (~250 bytes).
NewEvent transcript(int org, int n) {
  return {"org-" + std::to_string(org), n % 3 ? "" : "user-" + std::to_string(n % 7), "transcript",
          R"({"type":"transcript","vapiCallId":"9f1c2d3e-4b5a-6789-abcd-ef0123456789",)"
          R"("speaker":"customer","text":"I'd like to move my appointment to Thursday afternoon",)"
          R"("is_final":true,"confidence":0.93,"ts":1718000000000})",
          1718000000000 + n};
}

// Args: events per append; orgs per batch (1: one POST of one org, 100: the worst case, every
// event of another org); 1 for synchronous=FULL (fsync per commit). Batches rotate over 100 orgs.
void BM_Append(benchmark::State& state) {
  const auto batch_size = static_cast<int>(state.range(0));
  const auto spread = static_cast<int>(state.range(1));
  ScratchStore store(state.range(2) ? SqliteSync::full : SqliteSync::normal);
  int n = 0;
  int batches = 0;
  for (auto _ : state) {
    // Building the batch is timed too: PauseTiming would cost more than it hides.
    std::vector<NewEvent> batch;
    batch.reserve(batch_size);
    for (int i = 0; i < batch_size; ++i)
      batch.push_back(transcript((batches + i % spread) % orgs, n++));
    benchmark::DoNotOptimize(store->append(std::move(batch)));
    ++batches;
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
}
BENCHMARK(BM_Append)
    ->ArgNames({"batch", "orgs", "full"})
    ->Args({1, 1, 0})
    ->Args({100, 1, 0})
    ->Args({100, 100, 0})
    ->Args({1, 1, 1})
    ->Args({100, 1, 1})
    ->UseRealTime();

// A reconnecting dashboard catching up 1,000 events of an org, in a history of 100 orgs holding
// 2,000 events each, published in interleaved batches as they would arrive.
void BM_Recover(benchmark::State& state) {
  ScratchStore store(SqliteSync::normal);
  for (int b = 0; b < 2000; ++b) {
    std::vector<NewEvent> batch;
    batch.reserve(orgs);
    for (int i = 0; i < orgs; ++i) batch.push_back(transcript(i, b));
    store->append(std::move(batch));
  }
  for (auto _ : state) benchmark::DoNotOptimize(store->since("org-7", 1000, "", 1000));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Recover)->UseRealTime();

}  // namespace
}  // namespace voxgate

BENCHMARK_MAIN();
