// The cost of a /metrics scrape (docs/performance.md, "Metrics"): what the scrape thread does
// (sum the lanes' published reports, render the exposition), what a worker pays to publish
// (a copy of its report and a pointer swap), and the whole HTTP round trip through civetweb on
// loopback. The stats are the 132 names `replay --stats json pcaps/*.pcap` prints, plus 40
// anomalies and the three inline latency summaries: a busy gateway's report.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daemon/nfqueue_loop.h"
#include "metrics/exposition.h"
#include "metrics/server.h"
#include "metrics/stats_board.h"

namespace {

using namespace scamgate;

constexpr const char* kNames[] = {
#include "metrics_bench_names.inc"
};

StatsReport lane_report(std::uint64_t seed) {
    StatsReport r;
    std::uint64_t v = seed;
    for (const char* name : kNames) r.set(name, v++ * 7919 % 100003);
    for (int i = 0; i < 40; ++i) r.set(fmt::format("anomaly.decoder{}.problem_{}", i % 6, i), v++);
    for (const char* prefix : {"inline.latency_", "inline.service_", "inline.reload_service_"}) {
        r.set(fmt::format("{}samples", prefix), 1000);
        r.set(fmt::format("{}p50_us", prefix), 12);
        r.set(fmt::format("{}p99_us", prefix), 250);
        r.set(fmt::format("{}max_us", prefix), 4000);
    }
    return r;
}

metrics::StatsBoard board_of(std::size_t lanes) {
    metrics::StatsBoard board(lanes);
    for (std::size_t i = 0; i < lanes; ++i) board.publish(i, lane_report(i));
    return board;
}

void BM_RenderOneReport(benchmark::State& state) {
    const StatsReport report = lane_report(1);
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string text = metrics::render(report, metrics::BuildInfo{"0.1.0"});
        bytes = text.size();
        benchmark::DoNotOptimize(text.data());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderOneReport)->Unit(benchmark::kMicrosecond);

// What the endpoint's thread does per scrape: sum N lanes' latest reports, render.
void BM_SumAndRender(benchmark::State& state) {
    const metrics::StatsBoard board = board_of(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        const std::string text = metrics::render(board.sum(), metrics::BuildInfo{"0.1.0"});
        benchmark::DoNotOptimize(text.data());
    }
}
BENCHMARK(BM_SumAndRender)->Arg(1)->Arg(4)->Arg(16)->Unit(benchmark::kMicrosecond);

// What a worker pays once a second: build its report (here: a copy) and swap it in.
void BM_Publish(benchmark::State& state) {
    metrics::StatsBoard board(1);
    const StatsReport report = lane_report(3);
    for (auto _ : state) board.publish(0, report);
}
BENCHMARK(BM_Publish)->Unit(benchmark::kMicrosecond);

// What an inline lane (nfqueue, bridge) adds once a second: a copy of its run so far, whose three
// latency histograms (10,001 buckets each) are merged at the scrape.
void BM_CopyInlineRun(benchmark::State& state) {
    daemon::NfqueueRun run;
    for (std::uint64_t i = 0; i < 100'000; ++i) run.latency.record_ns(i * 37 % 2'000'000);
    for (auto _ : state) {
        auto copy = std::make_shared<const daemon::NfqueueRun>(run);
        benchmark::DoNotOptimize(copy.get());
    }
}
BENCHMARK(BM_CopyInlineRun)->Unit(benchmark::kMicrosecond);

// GET /metrics over loopback through civetweb, 4 lanes: the round trip a Prometheus server sees.
std::string http_get(std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        close(fd);
        throw std::runtime_error("connect");
    }
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    (void)!write(fd, request.data(), request.size());
    std::string response;
    char buffer[65536];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
    close(fd);
    return response;
}

std::uint16_t free_loopback_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof at;
    bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at);
    getsockname(fd, reinterpret_cast<sockaddr*>(&at), &length);
    close(fd);
    return ntohs(at.sin_port);
}

void BM_HttpScrape(benchmark::State& state) {
    const metrics::StatsBoard board = board_of(4);
    const std::uint16_t port = free_loopback_port();
    std::string error;
    auto server = metrics::MetricsServer::start(metrics::ListenAddress{"127.0.0.1", port},
                                                [&] { return metrics::render(board.sum(), metrics::BuildInfo{"0.1.0"}); },
                                                error);
    if (!server) {
        state.SkipWithError(error.c_str());
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) bytes = http_get(port).size();
    if (bytes == 0) state.SkipWithError("empty response");
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_HttpScrape)->Unit(benchmark::kMicrosecond);

}  // namespace
BENCHMARK_MAIN();
