// Call findings: each fires at exactly its threshold and not one below, with its evidence.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "behaviour_test_support.h"

namespace scamgate::behaviour {
namespace {

using namespace test;

constexpr std::uint64_t kCallees = 84'900'000'000ULL;

// One call from `caller` to a fresh callee at `at`, ended by `how`.
struct CallDriver {
    Engine& engine;
    const Settings& settings;
    std::string caller;

    std::vector<record::CheckFinding> observe(const std::string& callee, Timestamp at, bool international = false) {
        auto o = call(caller, callee, at);
        o.international = international;
        return engine.observe(o, settings);
    }
    void end(const std::string& callee, Timestamp invite, std::optional<Timestamp> answer, Timestamp end_at,
             bool cancelled, bool international = false) {
        CallEnded e;
        e.caller = caller;
        e.callee = callee;
        e.invite = invite;
        e.answer = answer;
        e.end = end_at;
        e.cancelled = cancelled;
        e.international = international;
        engine.call_ended(e, settings);
    }
};

TEST_CASE("finding_names lists the eleven findings in order, each with its default score") {
    const std::vector<std::string> expected{
        "behaviour.call_rate",        "behaviour.callee_spray",     "behaviour.wangiri",
        "behaviour.short_calls",      "behaviour.sequential_callees", "behaviour.concurrent_calls",
        "behaviour.register_flood",   "behaviour.sms_rate",         "behaviour.sms_recipient_spray",
        "behaviour.sms_campaign",     "behaviour.url_spray"};
    CHECK(finding_names() == expected);
    const std::vector<int> scores{30, 30, 60, 40, 50, 30, 50, 30, 30, 50, 40};
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(default_finding_score(expected[i]) == scores[i]);
    CHECK(default_finding_score("behaviour.nonsense") == 0);
}

TEST_CASE("call_rate per caller fires at its threshold, not one below") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.call_rate.per_caller = 5;
    for (int i = 0; i < 4; ++i) CHECK(engine.observe(call("84911111111", number(kCallees, 1), at_s(i)), s).empty());
    const auto fifth = engine.observe(call("84911111111", number(kCallees, 1), at_s(4)), s);
    REQUIRE(names_of(fifth) == std::vector<std::string>{"behaviour.call_rate"});
    CHECK(fifth[0].evidence == "caller 84911111111: 5 call attempts in 60 s, threshold 5");
    CHECK(fifth[0].score == 30);
    // Another caller is another key.
    CHECK(engine.observe(call("84922222222", number(kCallees, 1), at_s(4)), s).empty());
}

TEST_CASE("call_rate per account and per source, both on one finding") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.call_rate.per_account = 3;
    s.call_rate.per_source = 4;
    auto o = call("", "84900000001", at_s(0));
    o.account = "trunk-a";
    o.source = *IpAddress::parse("192.0.2.7");
    o.has_source = true;
    CHECK(engine.observe(o, s).empty());
    CHECK(engine.observe(o, s).empty());
    auto third = engine.observe(o, s);
    CHECK(evidence_of(third, "behaviour.call_rate") == "account trunk-a: 3 call attempts in 60 s, threshold 3");
    auto fourth = engine.observe(o, s);
    CHECK(evidence_of(fourth, "behaviour.call_rate") ==
          "account trunk-a: 4 call attempts in 60 s, threshold 3; source 192.0.2.7: 4 call attempts in 60 s, "
          "threshold 4");
}

TEST_CASE("callee_spray counts distinct callees: fires at the 10th distinct, repeats do not count") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.callee_spray.distinct_callees = 10;
    for (int i = 0; i < 9; ++i) {
        CHECK(engine.observe(call("84911111111", number(kCallees, i * 1000), at_s(i)), s).empty());
        CHECK(engine.observe(call("84911111111", number(kCallees, i * 1000), at_s(i)), s).empty());  // repeat
    }
    const auto tenth = engine.observe(call("84911111111", number(kCallees, 9000), at_s(10)), s);
    CHECK(evidence_of(tenth, "behaviour.callee_spray") ==
          "caller 84911111111: 10 distinct callees in 3600 s, threshold 10");
}

TEST_CASE("wangiri via CANCEL: the eleventh call after ten short rings to distinct callees is flagged") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.wangiri.min_calls = 10;
    s.wangiri.min_callees = 8;
    CallDriver d{engine, s, "2250700000001"};
    for (int i = 0; i < 10; ++i) {
        const auto callee = number(kCallees, i * 7);
        CHECK(d.observe(callee, at_s(i * 10)).empty());  // the i-th call sees i earlier short rings
        d.end(callee, at_s(i * 10), std::nullopt, at_s(i * 10 + 5), true);
    }
    const auto eleventh = d.observe(number(kCallees, 500), at_s(100));
    REQUIRE(names_of(eleventh) == std::vector<std::string>{"behaviour.wangiri"});
    CHECK(eleventh[0].evidence ==
          "caller 2250700000001: 10 short-ring calls (cancelled within 8 s of the INVITE or ended within 3 s of the "
          "answer) to 10 distinct callees in 3600 s, threshold 10 calls to 8 callees");
    CHECK(eleventh[0].score == 60);
}

TEST_CASE("wangiri via a short BYE after the answer, and not for rings longer than max_ring") {
    Settings s = quiet_settings();
    s.wangiri.min_calls = 3;
    s.wangiri.min_callees = 3;
    SUBCASE("answered and hung up within 3 s") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "2250700000002"};
        for (int i = 0; i < 2; ++i) d.end(number(kCallees, i), at_s(i), at_s(i + 4), at_s(i + 7), false);
        CHECK(d.observe(number(kCallees, 9), at_s(20)).empty());
        d.end(number(kCallees, 2), at_s(20), at_s(24), at_s(27), false);
        CHECK(has(d.observe(number(kCallees, 9), at_s(30)), "behaviour.wangiri"));
    }
    SUBCASE("cancelled after a 9 s ring, or answered for 4 s: not Wangiri") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "2250700000003"};
        for (int i = 0; i < 5; ++i) d.end(number(kCallees, i), at_s(i), std::nullopt, at_s(i + 9), true);
        for (int i = 5; i < 10; ++i) d.end(number(kCallees, i), at_s(i), at_s(i + 1), at_s(i + 5), false);
        CHECK(d.observe(number(kCallees, 99), at_s(30)).empty());
    }
    SUBCASE("short rings to the same callee: enough calls, too few callees") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "2250700000004"};
        for (int i = 0; i < 5; ++i) d.end(number(kCallees, 1), at_s(i), std::nullopt, at_s(i + 2), true);
        CHECK(d.observe(number(kCallees, 99), at_s(30)).empty());
    }
}

TEST_CASE("wangiri with international_only counts only calls from an international trunk") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.wangiri.min_calls = 3;
    s.wangiri.min_callees = 3;
    s.wangiri.international_only = true;
    CallDriver d{engine, s, "2250700000005"};
    for (int i = 0; i < 5; ++i) d.end(number(kCallees, i), at_s(i), std::nullopt, at_s(i + 2), true, false);
    CHECK(d.observe(number(kCallees, 99), at_s(30)).empty());
    for (int i = 0; i < 3; ++i) d.end(number(kCallees, 10 + i), at_s(i), std::nullopt, at_s(i + 2), true, true);
    CHECK(has(d.observe(number(kCallees, 99), at_s(31)), "behaviour.wangiri"));
}

TEST_CASE("wangiri by prefix: short rings spread over many numbers of one range") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.wangiri.min_calls = 5;
    s.wangiri.min_callees = 5;
    s.wangiri.prefix_digits = 3;
    for (int i = 0; i < 5; ++i) {
        CallDriver d{engine, s, number(2250700000000ULL, 100 + i)};  // 2250700000100 .. 104: prefix 2250700000
        d.end(number(kCallees, i), at_s(i), std::nullopt, at_s(i + 3), true);
    }
    CallDriver fresh{engine, s, "2250700000199"};
    const auto found = fresh.observe(number(kCallees, 50), at_s(20));
    CHECK(evidence_of(found, "behaviour.wangiri") ==
          "caller prefix 2250700000: 5 short-ring calls (cancelled within 8 s of the INVITE or ended within 3 s of "
          "the answer) to 5 distinct callees in 3600 s, threshold 5 calls to 5 callees");
    CallDriver other{engine, s, "2250700001199"};  // another range
    CHECK(other.observe(number(kCallees, 50), at_s(21)).empty());
}

TEST_CASE("short_calls: low answer ratio and mostly short answered calls, judged from 20 ended attempts") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.short_calls.min_attempts = 20;  // ratio <= 0.5, share >= 0.7, short <= 20 s (defaults)
    CallDriver d{engine, s, "84933333333"};
    // 8 answered calls of 10 s, 11 unanswered (busy/error): 19 ended.
    for (int i = 0; i < 8; ++i) d.end(number(kCallees, i), at_s(i), at_s(i + 5), at_s(i + 15), false);
    for (int i = 8; i < 19; ++i) d.end(number(kCallees, i), at_s(i), std::nullopt, at_s(i + 1), false);
    CHECK(d.observe(number(kCallees, 50), at_s(60)).empty());
    d.end(number(kCallees, 19), at_s(61), std::nullopt, at_s(62), false);
    const auto found = d.observe(number(kCallees, 51), at_s(63));
    REQUIRE(names_of(found) == std::vector<std::string>{"behaviour.short_calls"});
    CHECK(found[0].evidence ==
          "caller 84933333333: 8 of 20 ended calls answered (ratio 0.40 <= 0.50), 8 of those within 20 s of the "
          "answer (share 1.00 >= 0.70) in 3600 s, threshold 20 attempts");
}

TEST_CASE("short_calls: a share of short calls below min_short_share does not fire") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.short_calls.min_attempts = 20;
    CallDriver d{engine, s, "84933333334"};
    // 10 answered: 6 short, 4 of 5 minutes (share 0.6 < 0.7); 10 unanswered (ratio 0.5).
    for (int i = 0; i < 6; ++i) d.end(number(kCallees, i), at_s(i), at_s(i + 5), at_s(i + 15), false);
    for (int i = 6; i < 10; ++i) d.end(number(kCallees, i), at_s(i), at_s(i + 5), at_s(i + 305), false);
    for (int i = 10; i < 20; ++i) d.end(number(kCallees, i), at_s(i), std::nullopt, at_s(i + 1), false);
    CHECK(d.observe(number(kCallees, 50), at_s(400)).empty());
    d.end(number(kCallees, 20), at_s(401), at_s(402), at_s(404), false);  // 7 of 11 short: 0.636
    CHECK(d.observe(number(kCallees, 51), at_s(405)).empty());
}

TEST_CASE("a call centre calling many subscribers from one number is clean with the default settings") {
    Engine engine(Capacity{});
    const Settings s;  // defaults: every finding on
    CallDriver d{engine, s, "842838383838"};
    // 150 calls over 5 hours, one every 2 minutes, to distinct subscribers: 4 of 5 answered and
    // talking 2 to 6 minutes, the rest ringing out after 30 s.
    for (int i = 0; i < 150; ++i) {
        const Timestamp invite = at_s(i * 120.0);
        const auto callee = number(kCallees, static_cast<std::uint64_t>(i) * 7919);
        const auto found = d.observe(callee, invite);
        CHECK_MESSAGE(found.empty(), "call " << i << ": " << (found.empty() ? "" : found[0].evidence));
        if (i % 5 == 4) {
            d.end(callee, invite, std::nullopt, invite + seconds(30), true);
        } else {
            d.end(callee, invite, invite + seconds(10), invite + seconds(10 + 120 + (i % 4) * 60), false);
        }
    }
}

TEST_CASE("sequential_callees: an ascending run fires at min_run") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.sequential_callees.min_run = 8;  // max_step 3, window 600 s
    CallDriver d{engine, s, "84944444444"};
    for (int i = 0; i < 7; ++i) CHECK(d.observe(number(kCallees, 100 + i * 2), at_s(i)).empty());
    const auto eighth = d.observe(number(kCallees, 114), at_s(7));
    CHECK(evidence_of(eighth, "behaviour.sequential_callees") ==
          "caller 84944444444: 8 callees in sequence (steps of 1 to 3) ending at 84900000114 within 600 s, "
          "threshold 8");
    CHECK(has(d.observe(number(kCallees, 115), at_s(8)), "behaviour.sequential_callees"));
}

TEST_CASE("sequential_callees: a descending run fires too") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.sequential_callees.min_run = 5;
    CallDriver d{engine, s, "84944444445"};
    for (int i = 0; i < 4; ++i) CHECK(d.observe(number(kCallees, 500 - i * 3), at_s(i)).empty());
    CHECK(has(d.observe(number(kCallees, 488), at_s(4)), "behaviour.sequential_callees"));
}

TEST_CASE("sequential_callees: a broken run starts over") {
    Settings s = quiet_settings();
    s.sequential_callees.min_run = 5;
    SUBCASE("a jump") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "84944444446"};
        for (int i = 0; i < 4; ++i) CHECK(d.observe(number(kCallees, 100 + i), at_s(i)).empty());
        CHECK(d.observe(number(kCallees, 900), at_s(4)).empty());
        for (int i = 1; i < 4; ++i) CHECK(d.observe(number(kCallees, 900 + i), at_s(4 + i)).empty());
        CHECK(has(d.observe(number(kCallees, 904), at_s(8)), "behaviour.sequential_callees"));
    }
    SUBCASE("the same callee twice") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "84944444447"};
        for (int i = 0; i < 4; ++i) CHECK(d.observe(number(kCallees, 100 + i), at_s(i)).empty());
        CHECK(d.observe(number(kCallees, 103), at_s(4)).empty());
        CHECK(d.observe(number(kCallees, 104), at_s(5)).empty());
    }
    SUBCASE("a change of direction (a redialer alternating two numbers is no scan)") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "84944444448"};
        for (int i = 0; i < 8; ++i) CHECK(d.observe(number(kCallees, 100 + i % 2), at_s(i)).empty());
    }
    SUBCASE("a run longer than the window") {
        Engine engine(Capacity{});
        CallDriver d{engine, s, "84944444449"};
        for (int i = 0; i < 4; ++i) CHECK(d.observe(number(kCallees, 100 + i), at_s(i * 200)).empty());
        CHECK(d.observe(number(kCallees, 104), at_s(800)).empty());  // the run began 800 s ago
    }
}

TEST_CASE("concurrent_calls: up once per observe, down once per end, never below zero") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.concurrent_calls.per_caller = 3;
    CallDriver d{engine, s, "84955555555"};
    CHECK(d.observe("1", at_s(0)).empty());
    CHECK(d.observe("2", at_s(0)).empty());
    const auto third = d.observe("3", at_s(0));
    CHECK(evidence_of(third, "behaviour.concurrent_calls") == "caller 84955555555: 3 concurrent calls, threshold 3");
    d.end("3", at_s(0), std::nullopt, at_s(1), true);
    CHECK(has(d.observe("4", at_s(2)), "behaviour.concurrent_calls"));  // 3 again
    // Ten ends for four open calls: the count stays at zero, it does not wrap.
    for (int i = 0; i < 10; ++i) d.end("x", at_s(3), std::nullopt, at_s(3), false);
    s.concurrent_calls.per_caller = 1;
    CHECK(evidence_of(d.observe("5", at_s(4)), "behaviour.concurrent_calls") ==
          "caller 84955555555: 1 concurrent calls, threshold 1");
    s.concurrent_calls.per_caller = 2;
    CHECK(has(d.observe("6", at_s(4)), "behaviour.concurrent_calls"));
    for (int i = 0; i < 5; ++i) d.end("x", at_s(5), std::nullopt, at_s(5), false);
    CHECK(d.observe("7", at_s(6)).empty());  // 1 < 2
}

TEST_CASE("concurrent_calls per account") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.concurrent_calls.per_account = 2;
    auto o = call("84955555556", "1", at_s(0));
    o.account = "pbx-7";
    CHECK(engine.observe(o, s).empty());
    CHECK(evidence_of(engine.observe(o, s), "behaviour.concurrent_calls") ==
          "account pbx-7: 2 concurrent calls, threshold 2");
    CallEnded e;
    e.caller = o.caller;
    e.account = "pbx-7";
    e.end = at_s(1);
    engine.call_ended(e, s);
    CHECK(engine.observe(o, s).size() == 1);
    engine.call_ended(e, s);
    engine.call_ended(e, s);
    engine.call_ended(e, s);
    CHECK(engine.observe(o, s).empty());  // 0 -> 1
}

TEST_CASE("register_flood: REGISTERs and INVITEs per source, reported on the call") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.register_flood.per_source = 5;
    const auto source = *IpAddress::parse("2001:db8::66");
    for (int i = 0; i < 3; ++i) engine.register_seen(RegisterSeen{source, at_s(i * 0.1)}, s);
    auto o = call("84966666666", "1", at_s(1));
    o.source = source;
    o.has_source = true;
    CHECK(engine.observe(o, s).empty());  // 4
    const auto found = engine.observe(o, s);
    CHECK(evidence_of(found, "behaviour.register_flood") ==
          "source 2001:db8::66: 5 REGISTER and INVITE requests in 10 s, threshold 5");
    // Another source is another key; the window passes.
    o.source = *IpAddress::parse("2001:db8::67");
    CHECK(engine.observe(o, s).empty());
    o.source = source;
    o.at = at_s(25);
    CHECK(engine.observe(o, s).empty());
}

TEST_CASE("exempt contacts are counted but never flagged") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.call_rate.per_caller = 3;
    auto o = call("84977777777", "1", at_s(0));
    o.exempt = true;
    for (int i = 0; i < 5; ++i) CHECK(engine.observe(o, s).empty());
    o.exempt = false;
    CHECK(evidence_of(engine.observe(o, s), "behaviour.call_rate") ==
          "caller 84977777777: 6 call attempts in 60 s, threshold 3");
}

TEST_CASE("disabled: nothing is counted and nothing found") {
    Engine engine(Capacity{});
    Settings s = quiet_settings();
    s.call_rate.per_caller = 1;
    s.enabled = false;
    CHECK(engine.observe(call("84977777778", "1", at_s(0)), s).empty());
    StatsReport stats;
    engine.append_stats(stats);
    CHECK(stats.at("behaviour.keys") == 0);
}

}  // namespace
}  // namespace scamgate::behaviour
