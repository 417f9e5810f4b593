// The detection stage with behaviour: findings join the verdict before the policy decides (a rule
// can name them), every decided call is closed exactly once when its record ends, and REGISTERs
// are counted per source.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"
#include "detect/detector.h"
#include "policy/policy.h"
#include "policy/stage.h"
#include "stage_fixtures.h"

using namespace scamgate;
using namespace scamgate::policy;

namespace {

using namespace scamgate::policy::test_fixtures;

const detect::Detector& detector() { return stage_detector(); }

using Collect = CollectContacts;

// A call from +44 20 7946 0000 on the international trunk to a distinct Vietnamese mobile.
record::Contact call(int n, Timestamp invite) {
    return test_call("+442079460000", "203.0.113.10", "+8491234" + std::to_string(5000 + n), "w" + std::to_string(n),
                     invite);
}

std::uint64_t stat(const behaviour::Engine& engine, const std::string& name) {
    StatsReport report;
    engine.append_stats(report);
    const auto& values = report.values();
    const auto it = values.find(name);
    return it == values.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("the eleventh Wangiri call is refused at its INVITE, on the state its predecessors left") {
    const Policy policy = wangiri_policy();
    behaviour::Settings settings;  // defaults: 10 calls cancelled within 8 s, to 8 callees, in an hour
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &settings);
    stage.set_behaviour(&engine);

    const Timestamp t0 = seconds(1'800'000'000);
    for (int n = 0; n < 11; ++n) {
        record::Contact c = call(n, t0 + seconds(10 * n));
        stage.decide(c);  // at the INVITE
        INFO("call " << n);
        REQUIRE(c.verdict);
        CHECK(c.verdict->behaviour_open);
        CHECK(has_check(*c.verdict, "behaviour.wangiri") == (n == 10));
        CHECK(c.verdict->action == (n == 10 ? "reject" : "allow"));
        cancel_after_ring(c);
        stage.on_contact(c);  // its record ends
    }
    REQUIRE(out.contacts.size() == 11);
    CHECK(out.contacts.back().verdict->rule == "reject-wangiri");
    CHECK(stat(engine, "behaviour.findings.wangiri") == 1);
}

TEST_CASE("concurrent calls: counted open at the decision, closed once by the record, whatever the reload did") {
    const Policy policy = wangiri_policy();
    behaviour::Settings settings;
    settings.concurrent_calls.per_caller = 3;
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &settings);
    stage.set_behaviour(&engine);

    const Timestamp t0 = seconds(1'800'000'000);
    std::vector<record::Contact> open;
    for (int n = 0; n < 3; ++n) {
        open.push_back(call(n, t0 + seconds(n)));
        stage.decide(open.back());
    }
    CHECK_FALSE(has_check(*open[1].verdict, "behaviour.concurrent_calls"));
    CHECK(has_check(*open[2].verdict, "behaviour.concurrent_calls"));  // the third open call reaches 3
    // Two end; behaviour switched off meanwhile (a reload): they are still closed.
    settings.enabled = false;
    for (int n = 0; n < 2; ++n) {
        open[n].call->timeline.end = t0 + seconds(30);
        open[n].call->end = record::CallEnd::bye;
        stage.on_contact(open[n]);
    }
    settings.enabled = true;
    record::Contact next = call(7, t0 + seconds(40));
    stage.decide(next);
    CHECK_FALSE(has_check(*next.verdict, "behaviour.concurrent_calls"));  // 2 open now, limit 3
    record::Contact another = call(8, t0 + seconds(41));
    stage.decide(another);
    CHECK(has_check(*another.verdict, "behaviour.concurrent_calls"));  // 3 open again
}

TEST_CASE("a record that reaches the stage undecided is decided, counted and closed at once") {
    const Policy policy = wangiri_policy();
    behaviour::Settings settings;
    settings.concurrent_calls.per_caller = 2;
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &settings);
    stage.set_behaviour(&engine);
    const Timestamp t0 = seconds(1'800'000'000);
    for (int n = 0; n < 5; ++n) {
        record::Contact c = call(n, t0 + seconds(n));
        c.call->end = record::CallEnd::rejected;
        c.call->final_status = 486;
        c.call->timeline.end = t0 + seconds(n) + seconds(1);
        stage.on_contact(c);  // no decide() first: judged here, then closed
    }
    REQUIRE(out.contacts.size() == 5);
    for (const auto& c : out.contacts) CHECK_FALSE(has_check(*c.verdict, "behaviour.concurrent_calls"));
}

TEST_CASE("REGISTERs count towards behaviour.register_flood on that source's next INVITE, a trunk peer's are not counted") {
    const Policy policy = wangiri_policy();
    behaviour::Settings settings;
    settings.register_flood.per_source = 50;
    behaviour::Engine engine(behaviour::Capacity{});
    Collect out;
    DetectionStage stage(detector(), policy, out, &settings);
    stage.set_behaviour(&engine);
    const Timestamp t0 = seconds(1'800'000'000);
    for (const char* address : {"192.0.2.66", "203.0.113.10"}) {  // outside the trunks; the intl trunk
        const IpAddress source = *IpAddress::parse(address);
        const bool trunk = std::string_view(address) == "203.0.113.10";
        INFO("source " << address);
        for (int n = 0; n < 48; ++n) stage.on_register(source, t0 + n * seconds(0.01));
        record::Contact first = call(1, t0 + seconds(1));
        first.ingress.src = source;
        stage.decide(first);  // 49 requests from that address
        CHECK_FALSE(has_check(*first.verdict, "behaviour.register_flood"));
        record::Contact second = call(2, t0 + seconds(1.1));
        second.ingress.src = source;
        stage.decide(second);  // the 50th, unless the source is a trunk peer (never counted)
        CHECK(has_check(*second.verdict, "behaviour.register_flood") == !trunk);
        CHECK((second.verdict->trunk == "intl") == trunk);
    }
}

TEST_CASE("without an engine the stage judges as before: no behaviour findings, nothing left open") {
    const Policy policy = wangiri_policy();
    Collect out;
    DetectionStage stage(detector(), policy, out);
    record::Contact c = call(1, seconds(1'800'000'000));
    stage.decide(c);
    CHECK_FALSE(c.verdict->behaviour_open);
    CHECK(std::none_of(c.verdict->checks.begin(), c.verdict->checks.end(),
                       [](const auto& check) { return check.name.starts_with("behaviour."); }));
}
