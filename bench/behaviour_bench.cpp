// The behaviour engine's cost per contact (issue 12: <= 1 µs per contact on one core with local
// state) with a realistic key mix: 200,000 callers (or SMS senders) seen now and then, and 16 heavy
// ones (a Wangiri burst, a SIM-box, a junk-SIM campaign) making 10 % of the contacts. Every finding
// is on with the default settings, so heavy keys fire and their evidence is formatted as it would
// be. Keys, texts and the order of contacts are random but fixed by the seed, so runs compare.
//   ninja -C build behaviour_bench && build/bench/behaviour_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <random>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/stats.h"

#include "behaviour/behaviour.h"
#include "behaviour/fingerprint.h"
#include "policy/behaviour_overrides.h"

namespace {

using namespace scamgate;
using namespace scamgate::behaviour;

constexpr std::size_t kCallers = 200'000;
constexpr std::size_t kHeavy = 16;
constexpr std::size_t kContacts = 1 << 20;  // the sequence of contacts, replayed cyclically
constexpr Timestamp kStart = Timestamp{1'700'000'000} * kNanosPerSecond;
constexpr Timestamp kGap = 10'000;  // 10 µs between contacts: 100,000 contacts/s

std::string digits(std::mt19937_64& rng, const char* prefix, std::size_t n) {
    std::string s(prefix);
    while (s.size() < n) s.push_back(static_cast<char>('0' + rng() % 10));
    return s;
}

// The numbers of every contact are laid out one after another (as the worker has its contact's
// strings at hand, hot in cache), so the benchmark measures the engine, not misses on its own data.
struct NumberPair {
    std::array<char, 12> caller{};
    std::array<char, 12> callee{};
    std::string_view caller_view() const { return {caller.data(), 11}; }
    std::string_view callee_view() const { return {callee.data(), 11}; }
};

struct Traffic {
    std::vector<std::string> callers;   // kCallers ordinary, then kHeavy heavy
    std::vector<std::string> callees;
    std::vector<IpAddress> sources;
    std::vector<std::string> scam_texts;
    std::vector<std::string> own_texts;
    std::vector<std::string> site_names;
    std::vector<std::vector<std::string_view>> own_domains;
    std::vector<std::uint32_t> caller_of;  // per contact
    std::vector<std::uint32_t> callee_of;
    std::vector<NumberPair> numbers;       // per contact

    Traffic() {
        std::mt19937_64 rng(12);
        for (std::size_t i = 0; i < kCallers + kHeavy; ++i) callers.push_back(digits(rng, "849", 11));
        for (std::size_t i = 0; i < 1 << 16; ++i) callees.push_back(digits(rng, "849", 11));
        // One source address per 4 callers (access customers, not a trunk carrying everyone).
        for (std::uint32_t i = 0; i < (kCallers + kHeavy) / 4 + 1; ++i) {
            const std::uint8_t b[4] = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                       static_cast<std::uint8_t>(i)};
            sources.push_back(IpAddress::v4(b));
        }
        // Heavy senders send scam templates (their numbers, amounts and links vary); everyone else
        // sends texts of their own, 6 to 20 words from a vocabulary, 1 in 20 with a link.
        static const char* const kTemplates[] = {
            "your parcel {} is held at customs, pay {}d at https://post-vn{}.top/pay today",
            "tai khoan {} cua quy khach bi khoa, vui long xac minh tai http://vcb-{}.com trong {} gio",
            "con dang o benh vien, me chuyen gap {} vao so tai khoan {} nhe, goi {}",
            "chuc mung ban trung thuong {} dong, nhan giai tai www.qua-{}.vn ma {}",
        };
        for (std::size_t i = 0; i < 4096; ++i) {
            std::string t = kTemplates[i % 4];
            for (int k = 0; k < 3; ++k) t.replace(t.find("{}"), 2, std::to_string(rng() % 1'000'000));
            scam_texts.push_back(std::move(t));
        }
        std::vector<std::string> words;
        for (std::size_t i = 0; i < 5000; ++i) words.push_back(digits(rng, "", 0).append(1 + rng() % 8, 'a') + char('a' + rng() % 26) + char('a' + rng() % 26));
        for (std::size_t i = 0; i < 50'000; ++i) site_names.push_back("site" + std::to_string(i) + ".vn");
        for (std::size_t i = 0; i < 1 << 16; ++i) {
            std::string t;
            const std::size_t n = 6 + rng() % 15;
            for (std::size_t w = 0; w < n; ++w) t += words[rng() % words.size()] + " ";
            const bool link = rng() % 20 == 0;
            if (link) t += "https://" + site_names[rng() % site_names.size()] + "/x";
            own_texts.push_back(std::move(t));
            own_domains.push_back(link ? std::vector<std::string_view>{site_names[rng() % site_names.size()]}
                                       : std::vector<std::string_view>{});
        }
        for (std::size_t i = 0; i < kContacts; ++i) {
            const bool heavy = rng() % 10 == 0;
            caller_of.push_back(static_cast<std::uint32_t>(heavy ? kCallers + rng() % kHeavy : rng() % kCallers));
            callee_of.push_back(static_cast<std::uint32_t>(rng() % callees.size()));
            NumberPair pair;
            std::copy_n(callers[caller_of.back()].data(), 11, pair.caller.data());
            std::copy_n(callees[callee_of.back()].data(), 11, pair.callee.data());
            numbers.push_back(pair);
        }
    }
};

const Traffic& traffic() {
    static const Traffic t;
    return t;
}

Observation call_contact(const Traffic& t, std::size_t i, Timestamp at) {
    Observation o;
    o.medium = Medium::call;
    o.at = at;
    o.caller = t.numbers[i].caller_view();
    o.callee = t.numbers[i].callee_view();
    o.source = t.sources[t.caller_of[i] / 4];
    o.has_source = true;
    return o;
}

void BM_ObserveCall(benchmark::State& state) {
    const Traffic& t = traffic();
    Engine engine(Capacity{});
    const Settings settings;
    std::size_t i = 0;
    std::size_t findings = 0;
    for (auto _ : state) {
        const std::size_t k = i % kContacts;
        const auto found = engine.observe(call_contact(t, k, kStart + static_cast<Timestamp>(i) * kGap), settings);
        findings += found.size();
        benchmark::DoNotOptimize(found.data());
        ++i;
    }
    state.counters["bytes_per_key"] = static_cast<double>(Engine::bytes_per_key());
    state.counters["findings_per_contact"] = static_cast<double>(findings) / static_cast<double>(i);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ObserveCall);

// behaviour.overrides (docs/behaviour.md, "Overrides"): the thresholds picked per contact, as the
// detection stage picks them, then the decision. Arg: prefix overrides configured (0: none, the
// stage's path without overrides; 100: prefixes of 6, 7 and 8 digits, about 1 in 30 callers
// inside one), plus two trunk overrides, neither the contacts' trunk (so both are compared and
// the rest take the base, as with Arg 0: the engine's own work stays comparable).
policy::BehaviourOverrides bench_overrides(std::size_t prefixes) {
    policy::BehaviourOverrides overrides;
    if (prefixes == 0) return overrides;
    std::mt19937_64 rng(7);
    Settings raised;
    raised.call_rate.per_caller = 300;
    raised.wangiri.min_calls = 40;
    while (overrides.size() < prefixes) overrides.add_prefix(digits(rng, "849", 6 + overrides.size() % 3), raised);
    Settings trunk;
    trunk.wangiri.min_calls = 5;
    overrides.add_trunk("intl", trunk);
    overrides.add_trunk("domestic", raised);
    return overrides;
}

void BM_SelectAndObserveCall(benchmark::State& state) {
    const Traffic& t = traffic();
    Engine engine(Capacity{});
    const Settings base;
    const policy::BehaviourOverrides overrides = bench_overrides(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    std::size_t findings = 0;
    for (auto _ : state) {
        const std::size_t k = i % kContacts;
        const Observation o = call_contact(t, k, kStart + static_cast<Timestamp>(i) * kGap);
        const Settings& settings = overrides.select(base, o.caller, "peer");
        const auto found = engine.observe(o, settings);
        findings += found.size();
        benchmark::DoNotOptimize(found.data());
        ++i;
    }
    state.counters["findings_per_contact"] = static_cast<double>(findings) / static_cast<double>(i);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SelectAndObserveCall)->Arg(0)->Arg(100);

// The pick alone, over 4,096 of the benchmark's callers (hot in cache, as the stage has its
// contact's caller key at hand: the pick, not the traffic array, is measured).
void BM_SelectSettings(benchmark::State& state) {
    const Traffic& t = traffic();
    const Settings base;
    const policy::BehaviourOverrides overrides = bench_overrides(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    std::size_t overridden = 0;
    for (auto _ : state) {
        const Settings& settings = overrides.select(base, t.numbers[i % 4096].caller_view(), "peer");
        overridden += &settings != &base;
        benchmark::DoNotOptimize(&settings);
        ++i;
    }
    state.counters["overridden_share"] = static_cast<double>(overridden) / static_cast<double>(i);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SelectSettings)->Arg(0)->Arg(100);

// A call decided and ended (a Wangiri-like short ring for the heavy callers, a normal call for
// the others): the cost of both halves together.
void BM_ObserveAndEndCall(benchmark::State& state) {
    const Traffic& t = traffic();
    Engine engine(Capacity{});
    const Settings settings;
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t k = i % kContacts;
        const Timestamp at = kStart + static_cast<Timestamp>(i) * kGap;
        const Observation o = call_contact(t, k, at);
        benchmark::DoNotOptimize(engine.observe(o, settings).data());
        CallEnded e;
        e.caller = o.caller;
        e.callee = o.callee;
        e.invite = at;
        const bool heavy = t.caller_of[k] >= kCallers;
        e.cancelled = heavy;
        if (!heavy) e.answer = at + seconds(5);
        e.end = at + (heavy ? seconds(4) : seconds(95));
        engine.call_ended(e, settings);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ObserveAndEndCall);

// One SMS decision per iteration; own_text(k) is the text of contact k when its sender is not a
// heavy one (the heavy senders send the scam templates).
template <typename OwnText>
void observe_sms(benchmark::State& state, OwnText own_text) {
    const Traffic& t = traffic();
    Engine engine(Capacity{});
    const Settings settings;
    std::size_t i = 0;
    std::size_t findings = 0;
    for (auto _ : state) {
        const std::size_t k = i % kContacts;
        Observation o;
        o.medium = Medium::sms;
        o.at = kStart + static_cast<Timestamp>(i) * kGap;
        o.caller = t.numbers[k].caller_view();
        o.callee = t.numbers[k].callee_view();
        static const std::string_view kScamDomains[] = {"post-vn.top", "vcb-secure.com", "benh-vien.vn", "qua-tang.vn"};
        if (t.caller_of[k] >= kCallers) {
            o.text_folded = t.scam_texts[k % t.scam_texts.size()];
            o.domains = {kScamDomains[k % 4]};
        } else {
            o.text_folded = own_text(k);
            o.domains = t.own_domains[k % t.own_domains.size()];
        }
        const auto found = engine.observe(o, settings);
        findings += found.size();
        benchmark::DoNotOptimize(found.data());
        ++i;
    }
    state.counters["bytes_per_key"] = static_cast<double>(Engine::bytes_per_key());
    state.counters["bytes_per_campaign"] = static_cast<double>(Engine::bytes_per_campaign());
    state.counters["findings_per_contact"] = static_cast<double>(findings) / static_cast<double>(i);
    state.SetItemsProcessed(state.iterations());
}

// The 65,536 own texts, reused cyclically: over the 2^20 contacts each is sent by about 14
// senders, so nearly every text here is a campaign member (many fire, min_senders 10).
void BM_ObserveSms(benchmark::State& state) {
    const Traffic& t = traffic();
    observe_sms(state, [&t](std::size_t k) -> std::string_view { return t.own_texts[k % t.own_texts.size()]; });
}
BENCHMARK(BM_ObserveSms);

// Every ordinary sender's text is its own, never sent again within 2^20 contacts: an own text
// with three words of letters that spell the contact's number appended (digits would be masked).
// The traffic the second sighting is for: most SMS are personal, sent once.
const std::vector<std::string>& one_off_texts() {
    static const std::vector<std::string> texts = [] {
        const Traffic& t = traffic();
        std::vector<std::string> out;
        out.reserve(kContacts);
        for (std::size_t k = 0; k < kContacts; ++k) {
            std::string text = t.own_texts[k % t.own_texts.size()];
            for (std::size_t v = k, word = 0; word < 3; ++word) {
                text += ' ';
                for (int letter = 0; letter < 3; ++letter, v /= 26) text += static_cast<char>('a' + v % 26);
            }
            out.push_back(std::move(text));
        }
        return out;
    }();
    return texts;
}
void BM_ObserveSmsOneOff(benchmark::State& state) {
    const auto& texts = one_off_texts();
    observe_sms(state, [&texts](std::size_t k) -> std::string_view { return texts[k]; });
}
BENCHMARK(BM_ObserveSmsOneOff);

// The campaign fingerprint alone (tokenise, mask, shingle, SimHash) over the same texts.
void BM_CampaignFingerprint(benchmark::State& state) {
    const Traffic& t = traffic();
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t k = i % kContacts;
        const std::string& text =
            t.caller_of[k] >= kCallers ? t.scam_texts[k % t.scam_texts.size()] : t.own_texts[k % t.own_texts.size()];
        benchmark::DoNotOptimize(campaign_fingerprint(text, 4));
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CampaignFingerprint);

// Two threads deciding calls on one shared engine (the sharded tables' contention).
void BM_ObserveCallShared(benchmark::State& state) {
    static Engine engine(Capacity{});
    const Traffic& t = traffic();
    const Settings settings;
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * (kContacts / 2);
    for (auto _ : state) {
        const std::size_t k = i % kContacts;
        benchmark::DoNotOptimize(
            engine.observe(call_contact(t, k, kStart + static_cast<Timestamp>(i % kContacts) * kGap), settings).data());
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ObserveCallShared)->Threads(1)->Threads(2)->UseRealTime();

// The SMS of BM_ObserveSms's traffic (heavy senders: the scam templates, the others their own texts).
Observation sms_contact(const Traffic& t, std::size_t k, Timestamp at) {
    static const std::string_view kScamDomains[] = {"post-vn.top", "vcb-secure.com", "benh-vien.vn", "qua-tang.vn"};
    Observation o;
    o.medium = Medium::sms;
    o.at = at;
    o.caller = t.numbers[k].caller_view();
    o.callee = t.numbers[k].callee_view();
    if (t.caller_of[k] >= kCallers) {
        o.text_folded = t.scam_texts[k % t.scam_texts.size()];
        o.domains = {kScamDomains[k % 4]};
    } else {
        o.text_folded = t.own_texts[k % t.own_texts.size()];
        o.domains = t.own_domains[k % t.own_domains.size()];
    }
    return o;
}

// behaviour.redis (docs/behaviour.md, "Across gateways") against a real redis-server: calls (or
// SMS, BM_ObserveSmsPaced) at a fixed rate of wall time (Arg 0, contacts/s, in bursts of one
// millisecond's worth) for 5 s, each decision timed. Arg 1: 0 local state only, 1 shared through
// SCAMGATE_BENCH_REDIS (a URL, e.g. unix:///tmp/r.sock), 2 shared through a Redis that is gone (a
// socket nobody listens on). Reports the rate achieved, the decision's p50 / p99 / max, and what
// the sync thread got through.
//   SCAMGATE_BENCH_REDIS=unix:///tmp/r.sock build/bench/behaviour_bench --benchmark_filter=Paced
template <typename Contact>
void observe_paced(benchmark::State& state, Contact&& contact) {
    const auto rate = static_cast<std::size_t>(state.range(0));
    const auto mode = state.range(1);
    const char* url = std::getenv("SCAMGATE_BENCH_REDIS");
    if (mode == 1 && url == nullptr) {
        state.SkipWithError("set SCAMGATE_BENCH_REDIS to a redis-server's URL");
        return;
    }
    using Clock = std::chrono::steady_clock;
    const Traffic& t = traffic();
    const Settings settings;
    constexpr double kSeconds = 5;
    const std::size_t total = static_cast<std::size_t>(static_cast<double>(rate) * kSeconds);
    const std::size_t per_ms = std::max<std::size_t>(rate / 1000, 1);
    std::vector<std::int64_t> latency;
    latency.reserve(total);
    StatsReport report;
    double elapsed = 0;
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    for (auto _ : state) {
        SharingSettings sharing;
        if (mode == 1) sharing.url = url;
        if (mode == 2) sharing.url = "unix:///nonexistent/scamgate-bench.sock";
        sharing.instance = "bench";
        Engine engine(Capacity{}, sharing, log);
        const auto start = Clock::now();
        for (std::size_t i = 0; i < total; ++i) {
            if (i % per_ms == 0) std::this_thread::sleep_until(start + std::chrono::microseconds(1000 * i / per_ms));
            const auto before = Clock::now();
            const Timestamp at = kStart + static_cast<Timestamp>(i) * kGap;
            const auto found = engine.observe(contact(t, i % kContacts, at), settings);
            latency.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - before).count());
            benchmark::DoNotOptimize(found.data());
        }
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        engine.append_stats(report);
    }
    std::sort(latency.begin(), latency.end());
    const auto at = [&](double q) { return static_cast<double>(latency[static_cast<std::size_t>(q * static_cast<double>(latency.size() - 1))]); };
    state.counters["contacts_per_s"] = static_cast<double>(total) / elapsed;
    state.counters["p50_ns"] = at(0.5);
    state.counters["p99_ns"] = at(0.99);
    state.counters["max_us"] = at(1.0) / 1000;
    for (const char* name : {"behaviour.redis_writes", "behaviour.redis_reads", "behaviour.redis_wanted_dropped",
                             "behaviour.redis_errors", "behaviour.redis_client.commands_dropped",
                             "behaviour.redis_campaign_writes", "behaviour.redis_campaign_reads"}) {
        state.counters[std::string(name).substr(std::string_view("behaviour.").size())] =
            static_cast<double>(report.get(name));
    }
}

}  // namespace

void BM_ObserveCallPaced(benchmark::State& state) { observe_paced(state, call_contact); }
// The same with SMS: sender, account-less, domain and campaign keys (docs/performance.md,
// "behaviour.redis": campaigns).
void BM_ObserveSmsPaced(benchmark::State& state) { observe_paced(state, sms_contact); }
BENCHMARK(BM_ObserveSmsPaced)
    ->Args({100000, 0})->Args({100000, 1})->Args({100000, 2})
    ->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ObserveCallPaced)
    ->Args({100000, 0})->Args({100000, 1})->Args({100000, 2})
    ->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
