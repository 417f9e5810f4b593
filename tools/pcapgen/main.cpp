// scamgate-pcapgen: synthetic SIP captures for decoding tests and benchmarks.
//   scamgate-pcapgen cases OUTDIR
//   scamgate-pcapgen bench --messages N --out FILE [--tcp-share P] [--seed S] [--rate CPS] [--peers N]
//   scamgate-pcapgen bench-smpp [--pdus N] --out FILE [--seed S] [--binds B]
//   scamgate-pcapgen flood [--invites N] --out FILE [--seed S] [--rate PER_S]
//   scamgate-pcapgen fuzz-seeds OUTDIR   (tests/fuzz/corpus: PPPoE/PPTP decoder seeds, SCTP seeds)
// GCC 12 reports a false -Wnull-dereference inside libstdc++ strings inlined from CLI11's split().
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "pcapgen/fuzz_seeds.h"
#include "pcapgen/scenarios.h"

namespace {

using scamgate::pcapgen::BenchOptions;

int run_cases(const std::string& outdir) {
    std::filesystem::create_directories(outdir);
    const auto cases = scamgate::pcapgen::write_cases(outdir);
    fmt::print("{}\n", scamgate::pcapgen::cases_tsv_header());
    for (const auto& c : cases) fmt::print("{}\n", scamgate::pcapgen::cases_tsv_row(c));
    fmt::print(stderr, "wrote {} cases and {}/cases.tsv\n", cases.size(), outdir);
    return 0;
}

int run_bench(const BenchOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    const auto s = scamgate::pcapgen::write_bench(options);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    fmt::print("{}: {} SIP messages in {} frames, {} calls ({} over TCP), {:.1f} MB, {:.0f} s of traffic; "
               "generated in {:.2f} s\n",
               options.out, s.messages, s.frames, s.calls, s.tcp_calls, static_cast<double>(s.bytes) / 1e6,
               s.capture_seconds, took.count());
    return 0;
}

int run_flood(const scamgate::pcapgen::FloodOptions& options) {
    const auto s = scamgate::pcapgen::write_invite_flood(options);
    fmt::print("{}: {} initial INVITEs with distinct Call-IDs, none answered, {:.1f} MB, {:.1f} s of traffic\n",
               options.out, s.invites, static_cast<double>(s.bytes) / 1e6, s.capture_seconds);
    return 0;
}

int run_bench_smpp(const scamgate::pcapgen::SmppBenchOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    const auto s = scamgate::pcapgen::write_smpp_bench(options);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    fmt::print("{}: {} SMPP PDUs ({} submit_sm + resps, {} binds) carrying {} SMS ({} multipart; {} GSM-7, {} UCS-2, "
               "{} Latin-1/message_payload) in {} frames, {:.1f} MB, {:.0f} s of traffic; generated in {:.2f} s\n",
               options.out, s.pdus, s.submits, options.binds, s.sms, s.multipart_sms, s.gsm7, s.ucs2, s.other, s.frames,
               static_cast<double>(s.bytes) / 1e6, s.capture_seconds, took.count());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"scamgate-pcapgen: synthetic SIP, SMPP and SIP MESSAGE captures (decoding cases, benchmark traffic)"};
    app.require_subcommand(1);

    std::string outdir;
    auto* cases = app.add_subcommand("cases", "one small capture per decoding case, plus OUTDIR/cases.tsv");
    cases->add_option("OUTDIR", outdir, "output directory (created if missing)")->required();

    BenchOptions bench_options;
    auto* bench = app.add_subcommand("bench", "one large pcap of concurrent SIP calls");
    bench->add_option("--messages", bench_options.messages, "SIP messages to write")->required()
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
    bench->add_option("--out", bench_options.out, "output pcap")->required();
    bench->add_option("--tcp-share", bench_options.tcp_share, "share of calls over TCP, 0..1")
        ->check(CLI::Range(0.0, 1.0))->capture_default_str();
    bench->add_option("--seed", bench_options.seed, "random seed (same seed, same file)")->capture_default_str();
    bench->add_option("--rate", bench_options.calls_per_second, "new calls per second of capture time")
        ->check(CLI::Range(0.01, 100000.0))->capture_default_str();
    bench->add_option("--peers", bench_options.peers,
                      "peers calling the gateway, one IP address each (3/4 domestic, 1/4 international trunks)")
        ->check(CLI::Range(std::size_t{4}, std::size_t{200}))->capture_default_str();

    scamgate::pcapgen::SmppBenchOptions smpp_options;
    auto* bench_smpp = app.add_subcommand(
        "bench-smpp",
        "one large pcap of SMPP 3.4 traffic (Ethernet/IPv4, TCP 2775): B binds submitting N submit_sm, each answered; "
        "~60% GSM-7 single, ~20% UCS-2 Vietnamese single, ~15% multipart UDH (2-4 parts), ~5% Latin-1 or "
        "message_payload; 2-4 PDUs share a TCP segment in ~30% of bursts");
    bench_smpp->add_option("--pdus", smpp_options.submits, "submit_sm PDUs to write (plus as many resps)")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))->capture_default_str();
    bench_smpp->add_option("--out", smpp_options.out, "output pcap")->required();
    bench_smpp->add_option("--seed", smpp_options.seed, "random seed (same seed, same file)")->capture_default_str();
    bench_smpp->add_option("--binds", smpp_options.binds, "concurrent ESME binds (TCP connections)")
        ->check(CLI::Range(1u, 10000u))->capture_default_str();

    scamgate::pcapgen::FloodOptions flood_options;
    auto* flood = app.add_subcommand(
        "flood", "one pcap of N initial INVITEs (UDP), each with its own Call-ID and none answered, at a fixed rate: "
                 "every one is a pending call in a replay (memory per pending call, bench/flood.sh)");
    flood->add_option("--invites", flood_options.invites, "INVITEs to write")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))->capture_default_str();
    flood->add_option("--out", flood_options.out, "output pcap")->required();
    flood->add_option("--seed", flood_options.seed, "random seed (same seed, same file)")->capture_default_str();
    flood->add_option("--rate", flood_options.invites_per_second, "INVITEs per second of capture time")
        ->check(CLI::Range(1.0, 10'000'000.0))->capture_default_str();

    std::string seeds_dir;
    auto* seeds = app.add_subcommand("fuzz-seeds", "seed inputs for fuzz_net_decoder (PPPoE, PPTP) and fuzz_sctp under OUTDIR/<target>/");
    seeds->add_option("OUTDIR", seeds_dir, "output directory, e.g. tests/fuzz/corpus")->required();

    CLI11_PARSE(app, argc, argv);
    try {
        if (*cases) return run_cases(outdir);
        if (*seeds) {
            fmt::print("{} seeds written under {}\n", scamgate::pcapgen::write_fuzz_seeds(seeds_dir), seeds_dir);
            return 0;
        }
        if (*bench_smpp) return run_bench_smpp(smpp_options);
        if (*flood) return run_flood(flood_options);
        return run_bench(bench_options);
    } catch (const std::exception& e) {
        fmt::print(stderr, "scamgate-pcapgen: {}\n", e.what());
        return 1;
    }
}
