// Cost on the caller's thread of queuing one event line for the Redis event stream
// (output.redis_stream): building the XADD command (one copy of the line) and the queue's mutex.
// BM_EventStreamAdd_Live needs a redis-server: SCAMGATE_BENCH_REDIS=unix:///path/r.sock (or
// redis://...); bench/replay-redis.sh starts one and sets it. The client thread drains the queue
// meanwhile, as in a replay; the counters say how many lines were sent and how many dropped.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "common/log.h"
#include "redis/event_stream.h"

using namespace scamgate;

namespace {

// About the size of a call event with a verdict (bench/replay-redis.sh measures the real mean).
std::string event_line() {
    std::string line = "{\"kind\":\"call\",\"source\":\"bench.pcap\",\"padding\":\"";
    line.append(1000, 'x');
    line += "\"}\n";
    return line;
}

void run(benchmark::State& state, const std::string& url) {
    std::ostringstream log_text;
    Logger log(log_text);
    redis::EventStreamSettings settings;
    settings.url = url;
    settings.key = "bench:events";
    settings.maxlen = 100000;
    const std::string line = event_line();
    redis::EventStream stream(settings, log);
    for (auto _ : state) stream.add(line);
    stream.close();
    StatsReport stats;
    stream.append_stats(stats);
    state.counters["sent"] = static_cast<double>(stats.get("redis.commands_sent"));
    state.counters["dropped"] = static_cast<double>(stats.get("redis.commands_dropped"));
    state.SetItemsProcessed(state.iterations());
}

// Redis unreachable: after the first 65,536 lines fill the queue, each add is built and dropped.
void BM_EventStreamAdd_Unreachable(benchmark::State& state) { run(state, "unix:///nonexistent/scamgate-bench.sock"); }

void BM_EventStreamAdd_Live(benchmark::State& state) {
    const char* url = std::getenv("SCAMGATE_BENCH_REDIS");
    if (url == nullptr || *url == '\0') {
        state.SkipWithError("set SCAMGATE_BENCH_REDIS to a redis-server URL (bench/replay-redis.sh does)");
        return;
    }
    run(state, url);
}

}  // namespace

BENCHMARK(BM_EventStreamAdd_Unreachable)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_EventStreamAdd_Live)->Unit(benchmark::kNanosecond);
BENCHMARK_MAIN();
