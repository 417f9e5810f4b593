// What a reload costs, and where: building the detection set (the control thread), freeing the
// replaced one (the control thread since replaced sets are retired; the packet thread before),
// and making a Hyperscan scratch for the new set (each packet-path user, once per reload).
// Bundled configuration.
//   build/bench/reload_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <sstream>

#include "app/config.h"
#include "app/replay.h"

using namespace scamgate;

namespace {

std::shared_ptr<const policy::Detection> load_bundled() {
    static std::ostringstream sink;
    static Logger log{sink};
    const app::AppConfig config;  // the built-in defaults: bundled plan, lists, packs and policy
    return std::make_shared<const policy::Detection>(app::load_detection(config, {}, log));
}

void BM_LoadDetection(benchmark::State& state) {
    load_bundled();  // fills the Hyperscan cache, as the start of a run does
    for (auto _ : state) {
        auto detection = load_bundled();
        benchmark::DoNotOptimize(detection.get());
        state.PauseTiming();
        detection.reset();
        state.ResumeTiming();
    }
}
BENCHMARK(BM_LoadDetection)->Unit(benchmark::kMillisecond);

void BM_FreeDetection(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto detection = load_bundled();
        state.ResumeTiming();
        detection.reset();
    }
}
BENCHMARK(BM_FreeDetection)->Unit(benchmark::kMillisecond);

void BM_MakeScratch(benchmark::State& state) {
    const auto detection = load_bundled();
    for (auto _ : state) {
        auto scratch = detection->detector.make_scratch();
        benchmark::DoNotOptimize(&scratch);
        state.PauseTiming();
        { auto gone = std::move(scratch); }
        state.ResumeTiming();
    }
}
BENCHMARK(BM_MakeScratch)->Unit(benchmark::kMicrosecond);



}  // namespace

BENCHMARK_MAIN();
