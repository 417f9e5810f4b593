// behaviour.overrides at the detection stage: the thresholds of a contact are its caller prefix's
// override, else its trunk's, else the base; the call's end is judged by the same ones.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"
#include "detect/detector.h"
#include "policy/behaviour_overrides.h"
#include "policy/policy.h"
#include "policy/stage.h"
#include "stage_fixtures.h"

using namespace scamgate;
using namespace scamgate::policy;

namespace {

using namespace scamgate::policy::test_fixtures;

// Two international trunks: an interconnect ("intl") and a second carrier ("intl2").
const detect::Detector& detector() { return stage_detector(); }

using Collect = CollectContacts;

// Call n from `caller` (E.164 with '+') sent by `source` to a distinct Vietnamese mobile.
record::Contact call(const std::string& caller, const std::string& source, int n, Timestamp invite) {
    return test_call(caller, source, "+8491234" + std::to_string(5000 + n), caller + "-" + std::to_string(n), invite,
                     "192.0.2.1");
}

// Eleven cancelled calls from `caller` via `source`; which of them carry behaviour.wangiri.
std::vector<int> wangiri_calls(DetectionStage& stage, const std::string& caller, const std::string& source,
                               std::string_view trunk) {
    const Timestamp t0 = seconds(1'800'000'000);
    std::vector<int> flagged;
    for (int n = 0; n < 11; ++n) {
        record::Contact c = call(caller, source, n, t0 + seconds(10 * n));
        stage.decide(c);
        REQUIRE(c.verdict);
        CHECK(c.verdict->trunk == trunk);
        if (has_check(*c.verdict, "behaviour.wangiri")) flagged.push_back(n);
        cancel_after_ring(c);
        stage.on_contact(c);
    }
    return flagged;
}

const std::vector<int> kEleventh = {10};
const std::vector<int> kNone = {};

}  // namespace

TEST_CASE("select: the longest matching prefix, then the trunk, else the base") {
    behaviour::Settings base;
    behaviour::Settings trunk = base;
    trunk.wangiri.min_calls = 30;
    behaviour::Settings wide = base;
    wide.call_rate.per_caller = 200;
    behaviour::Settings narrow = base;
    narrow.enabled = false;
    BehaviourOverrides overrides;
    CHECK(overrides.empty());
    CHECK(&overrides.select(base, "842412345678", "intl") == &base);
    REQUIRE(overrides.add_trunk("intl", trunk));
    REQUIRE(overrides.add_prefix("8424", wide));
    REQUIRE(overrides.add_prefix("842471", narrow));
    CHECK_FALSE(overrides.add_prefix("8424", narrow));  // one override per prefix
    CHECK_FALSE(overrides.add_trunk("intl", narrow));
    CHECK(overrides.size() == 3);

    CHECK(overrides.select(base, "842471000001", "intl").enabled == false);         // longest prefix
    CHECK(overrides.select(base, "842412345678", "intl").call_rate.per_caller == 200);  // prefix beats trunk
    CHECK(overrides.select(base, "442079460000", "intl").wangiri.min_calls == 30);   // trunk
    CHECK(&overrides.select(base, "442079460000", "intl2") == &base);                  // neither
    CHECK(&overrides.select(base, "442079460000", "") == &base);
    CHECK(&overrides.select(base, "842", "") == &base);  // shorter than every prefix
    CHECK(&overrides.select(base, "", "") == &base);
    CHECK(overrides.select(base, "8424", "").call_rate.per_caller == 200);  // the whole number
    CHECK(overrides.select(base, "8424x", "intl").call_rate.per_caller == 200);
    CHECK(overrides.select(base, "84x2471", "intl").wangiri.min_calls == 30);  // digits stop at 'x'
    CHECK(&overrides.select(base, "+8424", "") == &base);  // keys carry no '+'
    CHECK_FALSE(overrides.add_prefix("84a", narrow));
    CHECK_FALSE(overrides.add_prefix("", narrow));
    CHECK_FALSE(overrides.add_prefix("1234567890123456", narrow));  // longer than E.164
}

TEST_CASE("select: hundreds of prefixes of every length agree with a plain longest-prefix scan") {
    std::mt19937_64 rng(12);
    std::vector<std::string> prefixes;
    std::vector<behaviour::Settings> settings;
    BehaviourOverrides overrides;
    while (prefixes.size() < 500) {
        std::string p;
        const std::size_t length = 1 + rng() % 15;
        for (std::size_t i = 0; i < length; ++i) p.push_back(static_cast<char>('0' + rng() % (i < 3 ? 3 : 10)));
        behaviour::Settings s;
        s.call_rate.per_caller = static_cast<std::uint32_t>(1000 + prefixes.size());
        if (overrides.add_prefix(p, s)) {
            prefixes.push_back(p);
            settings.push_back(s);
        }
    }
    const behaviour::Settings base;
    int matched = 0;
    for (int n = 0; n < 20000; ++n) {
        std::string caller;
        for (std::size_t i = 0; i < 11; ++i) caller.push_back(static_cast<char>('0' + rng() % (i < 3 ? 3 : 10)));
        // Half the callers start with a configured prefix.
        if (n % 2 == 0) {
            const std::string& p = prefixes[rng() % prefixes.size()];
            caller = p + caller.substr(0, 15 - p.size());
        }
        std::size_t best = prefixes.size();
        for (std::size_t i = 0; i < prefixes.size(); ++i) {
            if (caller.starts_with(prefixes[i]) && (best == prefixes.size() || prefixes[i].size() > prefixes[best].size())) best = i;
        }
        const std::uint32_t want = best == prefixes.size() ? base.call_rate.per_caller : settings[best].call_rate.per_caller;
        INFO("caller " << caller);
        REQUIRE(overrides.select(base, caller, "").call_rate.per_caller == want);
        matched += best != prefixes.size();
    }
    CHECK(matched > 10000);
}

TEST_CASE("a trunk override raising wangiri.min_calls: the eleventh call on that trunk passes, on another it is refused") {
    const Policy policy = wangiri_policy();
    behaviour::Settings base;  // 10 cancelled calls to 8 callees in an hour
    behaviour::Settings interconnect = base;
    interconnect.wangiri.min_calls = 20;
    BehaviourOverrides overrides;
    REQUIRE(overrides.add_trunk("intl", interconnect));
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &base, &overrides);
    stage.set_behaviour(&engine);

    CHECK(wangiri_calls(stage, "+442079460000", "203.0.113.10", "intl") == kNone);
    CHECK(wangiri_calls(stage, "+442079461111", "198.51.100.10", "intl2") == kEleventh);
    REQUIRE(out.contacts.size() == 22);
    CHECK(out.contacts[10].verdict->action == "allow");
    CHECK(out.contacts[21].verdict->action == "reject");
}

TEST_CASE("a prefix override with enabled: false exempts its block, the rest of the trunk is still judged") {
    const Policy policy = wangiri_policy();
    behaviour::Settings base;
    behaviour::Settings exempt = base;
    exempt.enabled = false;
    BehaviourOverrides overrides;
    REQUIRE(overrides.add_prefix("4420794600", exempt));  // the carrier's own call-centre block
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &base, &overrides);
    stage.set_behaviour(&engine);

    CHECK(wangiri_calls(stage, "+442079460000", "203.0.113.10", "intl") == kNone);
    CHECK_FALSE(out.contacts.front().verdict->behaviour_open);  // not counted at all
    CHECK(wangiri_calls(stage, "+442079461111", "203.0.113.10", "intl") == kEleventh);
    CHECK(out.contacts.back().verdict->behaviour_open);
}

TEST_CASE("the call's end is judged by the same override as its decision") {
    const Policy policy = wangiri_policy();
    behaviour::Settings base;
    // For this block, a cancel after 2 s is no Wangiri call: its ring limit is 1 s. Only the
    // end (call_ended) reads max_ring, so the calls are flagged only if the end took the base.
    behaviour::Settings quick = base;
    quick.wangiri.max_ring = seconds(1);
    BehaviourOverrides overrides;
    REQUIRE(overrides.add_prefix("44207946", quick));
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &base, &overrides);
    stage.set_behaviour(&engine);

    CHECK(wangiri_calls(stage, "+442079460000", "203.0.113.10", "intl") == kNone);
    CHECK(wangiri_calls(stage, "+442079571111", "203.0.113.10", "intl") == kEleventh);
}

TEST_CASE("no overrides: every contact takes the base, as before") {
    const Policy policy = wangiri_policy();
    behaviour::Settings base;
    const BehaviourOverrides none;
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &base, &none);
    stage.set_behaviour(&engine);
    CHECK(wangiri_calls(stage, "+442079460000", "203.0.113.10", "intl") == kEleventh);
}
