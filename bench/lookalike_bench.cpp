// Look-alike host matching (detect::LookalikeMatcher) with the bundled protected-brand registry:
// one host per iteration, as the detector calls it for each URL of an SMS. Items are hosts.
// Run: build/bench/lookalike_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "detect/lookalike.h"
#include "text/extract.h"

using namespace scamgate;

namespace {

std::filesystem::path repo_dir() {
    if (const char* env = std::getenv("SCAMGATE_SOURCE_DIR"); env && *env) return env;
    return std::filesystem::path(__FILE__).parent_path().parent_path();
}

struct Host {
    std::string host;
    std::string registrable;
};

struct Fixture {
    detect::LookalikeMatcher matcher{detect::load_protected_brands((repo_dir() / "config/lists/protected-brands.yaml").string())};
    text::PublicSuffixList psl = text::PublicSuffixList::load();

    std::vector<Host> hosts(const std::vector<std::string>& names) const {
        std::vector<Host> out;
        for (const auto& n : names) out.push_back({n, psl.registrable_domain(n)});
        return out;
    }
};

const Fixture& fixture() {
    static const Fixture f;
    return f;
}

void run(benchmark::State& state, const std::vector<Host>& hosts) {
    const auto& m = fixture().matcher;
    std::size_t i = 0, matched = 0;
    for (auto _ : state) {
        const auto& h = hosts[i++ % hosts.size()];
        const auto result = m.match(h.host, h.registrable);
        matched += result.has_value();
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["matched"] = benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()));
}

// Hosts that imitate nothing: the common case.
void BM_UnrelatedHosts(benchmark::State& state) {
    static const auto hosts = fixture().hosts({"www.example.com", "shop.nguyenvana.vn", "cdn.static-assets.net",
                                               "sd3701.xyz", "bet88vip.club", "news.thanhnien.vn"});
    run(state, hosts);
}
BENCHMARK(BM_UnrelatedHosts);

void BM_LookalikeHosts(benchmark::State& state) {
    static const auto hosts = fixture().hosts({"vietcombank.com.vn-xacthuc.top", "acb.vn-secure.xyz", "vietcombamk.com",
                                               "b1dv.online", "viet-combank.online", "dangnhapvcb.top"});
    run(state, hosts);
}
BENCHMARK(BM_LookalikeHosts);

void BM_InternationalHosts(benchmark::State& state) {
    static const auto hosts = fixture().hosts({"xn--vietcmbank-ivi.com.vn", "xn--fsqu00a.xn--0zwm56d", "xn--mm-fmcb.vn"});
    run(state, hosts);
}
BENCHMARK(BM_InternationalHosts);

}  // namespace

BENCHMARK_MAIN();
