// Bounded memory, eviction, thread safety and the stats.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "behaviour/key_table.h"
#include "behaviour_test_support.h"

namespace scamgate::behaviour {
namespace {

using namespace test;

TEST_CASE("a tracked key takes at most 200 bytes") {
    MESSAGE("bytes per key: " << Engine::bytes_per_key() << ", per campaign: " << Engine::bytes_per_campaign());
    CHECK(Engine::bytes_per_key() == kBytesPerKey);
    CHECK(kBytesPerKey == 16 + sizeof(KeyState));
    CHECK(Engine::bytes_per_key() <= 200);
    CHECK(Engine::bytes_per_campaign() == 257);  // docs/behaviour.md: 233 for the campaign, 24 for a sighting
}

TEST_CASE("a million distinct callers: memory stays at capacity, and a heavy caller survives the flood") {
    constexpr std::size_t kCapacity = 4096;
    Engine engine(Capacity{kCapacity, 64});
    Settings s = quiet_settings();
    s.call_rate.per_caller = 10'000;
    s.call_rate.window = seconds(60);
    StatsReport before;
    engine.append_stats(before);

    std::string caller;
    int heavy_calls = 0;
    std::vector<record::CheckFinding> last_heavy;
    for (int i = 0; i < 1'000'000; ++i) {
        const Timestamp at = at_s(i * 1e-5);  // the whole flood within 10 s of one window
        caller = std::to_string(84'000'000'000ULL + static_cast<std::uint64_t>(i));
        CHECK_MESSAGE(engine.observe(call(caller, "84900000001", at), s).empty(), "flood caller " << i);
        if (i % 100 == 99) {
            last_heavy = engine.observe(call("84999999999", "84900000001", at), s);
            ++heavy_calls;
            if (heavy_calls < 10'000) REQUIRE(last_heavy.empty());
        }
    }
    REQUIRE(heavy_calls == 10'000);
    // Counted without a loss: its 10,000th call reaches the threshold exactly.
    CHECK(evidence_of(last_heavy, "behaviour.call_rate") ==
          "caller 84999999999: 10000 call attempts in 60 s, threshold 10000");

    StatsReport after;
    engine.append_stats(after);
    CHECK(after.at("behaviour.keys") == kCapacity);
    CHECK(after.at("behaviour.evictions") == 1'000'001 - kCapacity);
    CHECK(after.at("behaviour.bytes") == before.at("behaviour.bytes"));
    CHECK(after.at("behaviour.bytes") >= kCapacity * Engine::bytes_per_key());
    CHECK(after.at("behaviour.findings.call_rate") == 1);
}

TEST_CASE("the key table: every key is placed or evicts one, and free slots fill up under churn") {
    KeyTable table(1000);
    const auto insert = [&table](int i) {
        table.update<DomainState>(key_hash(KeyKind::domain, std::to_string(i)), at_s(i), [](DomainState&) {});
    };
    for (int i = 0; i < 500; ++i) insert(i);
    CHECK(table.occupied() + table.evictions() == 500);
    CHECK(table.occupied() >= 495);  // half full: a probe of 8 rarely finds no free slot
    for (int i = 500; i < 900; ++i) insert(i);
    // 90 % full: clusters of 8 taken slots are common, so some keys evict before the table is
    // full (measured: 813 of 900 placed). A cache's trade: lookups never read more than 8 slots.
    CHECK(table.occupied() + table.evictions() == 900);
    CHECK(table.occupied() >= 800);
    for (int i = 900; i < 20'000; ++i) insert(i);
    // Churn fills the free slots left behind: new keys take a free slot before evicting.
    CHECK(table.occupied() <= 1000);
    CHECK(table.occupied() >= 990);
    CHECK(table.occupied() + table.evictions() == 20'000);
}

TEST_CASE("four threads observing one caller end with the exact total count") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.call_rate.window = seconds(3600);
    constexpr int kThreads = 4;
    constexpr int kEach = 20'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&engine, &s, t] {
            for (int i = 0; i < kEach; ++i) {
                // Each thread also brings its own callers, so the shards see mixed traffic.
                engine.observe(call("84912340000", "84900000001", at_s(i * 1e-4)), s);
                engine.observe(call(std::to_string(84'800'000'000ULL + t * kEach + i), "1", at_s(i * 1e-4)), s);
                if (i % 2 == 0) {
                    CallEnded e;
                    e.caller = "84912340000";
                    e.end = at_s(i * 1e-4);
                    engine.call_ended(e, s);
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    Settings check = s;
    check.call_rate.per_caller = 1;
    check.concurrent_calls.per_caller = 1;
    const auto found = engine.observe(call("84912340000", "84900000001", at_s(3)), check);
    CHECK(evidence_of(found, "behaviour.call_rate") ==
          "caller 84912340000: 80001 call attempts in 3600 s, threshold 1");
    CHECK(evidence_of(found, "behaviour.concurrent_calls") ==
          "caller 84912340000: 40001 concurrent calls, threshold 1");
    StatsReport stats;
    engine.append_stats(stats);
    // Every caller was tracked or evicted a probe-mate (no key lost or double-counted).
    CHECK(stats.at("behaviour.keys") + stats.at("behaviour.evictions") == 1 + kThreads * kEach);
    CHECK(stats.at("behaviour.keys") > kThreads * kEach * 99 / 100);
}

TEST_CASE("append_stats reports every counter, each finding by its short name") {
    Engine engine(Capacity{1024, 128});
    Settings s = quiet_settings();
    s.call_rate.per_caller = 1;
    engine.observe(call("84911111111", "1", at_s(0)), s);
    engine.observe(call("84911111111", "1", at_s(0)), s);
    StatsReport stats;
    engine.append_stats(stats);
    CHECK(stats.at("behaviour.keys") == 1);
    CHECK(stats.at("behaviour.campaigns") == 0);
    CHECK(stats.at("behaviour.evictions") == 0);
    CHECK(stats.at("behaviour.campaign_evictions") == 0);
    CHECK(stats.at("behaviour.findings.call_rate") == 2);
    for (const auto& name : finding_names()) {
        CHECK_NOTHROW(stats.at("behaviour.findings." + name.substr(std::string("behaviour.").size())));
    }
    // The slots plus one cache-line-aligned header per shard (16 shards for 1024 keys).
    const std::uint64_t slots = 1024 * Engine::bytes_per_key() + 128 * Engine::bytes_per_campaign();
    CHECK(stats.at("behaviour.bytes") >= slots);
    CHECK(stats.at("behaviour.bytes") <= slots + 16 * 128);
}

}  // namespace
}  // namespace scamgate::behaviour

namespace scamgate::behaviour {
namespace {

TEST_CASE("the campaign table stays at its capacity, and an active campaign survives a flood of one-off texts") {
    // 99 one-off texts arrive between two scam members: the tables must be larger than that churn.
    // The scam's first member is a sighting that 99 one-offs, each overwriting one of 1,024
    // places, leave alone (with these texts; about 9 times in 10 for any others); from its second
    // member on it is a campaign, which one-off texts (sightings) never evict.
    Engine engine(Capacity{4096, 1024});
    Settings s = test::quiet_settings();
    s.sms_campaign.min_senders = 50;
    const std::string scam = "your parcel is held at customs, pay the fee at https://x.top/pay today or it is returned";
    std::vector<record::CheckFinding> last;
    for (int i = 0; i < 5000; ++i) {
        // A one-off text: six words spelling i * (an odd prime) in base 26, distinct for every i.
        std::string own;
        for (const int prime : {7, 11, 17, 19, 23, 29}) {
            int v = (i * prime) % (26 * 26 * 26);
            for (int letter = 0; letter < 3; ++letter, v /= 26) own += static_cast<char>('a' + v % 26);
            own += ' ';
        }
        const std::string sender = std::to_string(84'700'000'000ULL + static_cast<std::uint64_t>(i));
        engine.observe(test::sms(sender, "1", test::at_s(i * 0.01), own), s);
        if (i % 100 == 99) last = engine.observe(test::sms(sender, "1", test::at_s(i * 0.01), scam), s);
    }
    // 50 scam members from 50 distinct senders: the campaign kept them all (the estimate of 50
    // distinct is 51 with these senders: linear counting, within its error).
    CHECK(test::evidence_of(last, "behaviour.sms_campaign").find(": 51 distinct senders") != std::string::npos);
    StatsReport stats;
    engine.append_stats(stats);
    MESSAGE("campaigns " << stats.at("behaviour.campaigns") << ", evictions " << stats.at("behaviour.campaign_evictions")
                         << ", sightings " << stats.at("behaviour.campaign_sightings"));
    // The one-off texts never took a campaign slot: they were sightings, each overwriting what
    // lay at its place (a fixed array as large as the campaign table). Only the scam is a campaign.
    CHECK(stats.at("behaviour.campaigns") == 1);
    CHECK(stats.at("behaviour.campaign_evictions") == 0);
    CHECK(stats.at("behaviour.campaign_sightings") == 5000 + 1);
}

}  // namespace
}  // namespace scamgate::behaviour
