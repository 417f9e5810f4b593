// The learned list in the detection stage: a blocking behaviour finding puts the caller on it,
// and the next call from that number carries `learned` in its verdict's lists (a policy rule can
// name it); the call that fired the finding does not; an expired entry matches nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"
#include "detect/detector.h"
#include "lists/learned_list.h"
#include "policy/policy.h"
#include "policy/stage.h"
#include "stage_fixtures.h"

using namespace scamgate;
using namespace scamgate::policy;

namespace {

using namespace scamgate::policy::test_fixtures;

constexpr std::int64_t kTtl = 7 * 86400;

const detect::Detector& detector() { return stage_detector(); }

Policy learned_policy() {
    return policy_from_yaml(R"(
mode: enforce
rules:
  - name: reject-learned
    when: {lists: [learned]}
    then: {action: reject, sip_status: 603, sip_reason: Decline, smpp_status: 0x45}
  - name: reject-wangiri
    when: {kind: call, checks: [behaviour.wangiri]}
    then: {action: reject, sip_status: 603, sip_reason: Decline}
)");
}

using Collect = CollectContacts;

// Callees 7 apart: not in sequence (range scanning).
record::Contact call(const std::string& caller, int n, Timestamp invite) {
    return test_call(caller, "203.0.113.10", "+8491234" + std::to_string(5000 + 7 * n), "w" + std::to_string(n), invite);
}

bool on_learned(const record::Verdict& v) { return std::find(v.lists.begin(), v.lists.end(), "learned") != v.lists.end(); }

}  // namespace

TEST_CASE("a Wangiri finding puts the caller on the learned list, and its next call carries `learned`") {
    const Policy policy = learned_policy();
    behaviour::Settings settings;  // defaults: the eleventh short-ring call fires behaviour.wangiri
    behaviour::Engine engine(behaviour::Capacity{});
    lists::LearnedList learned(100, kTtl);
    Collect out;
    DetectionStage stage(detector(), policy, out, &settings);
    stage.set_behaviour(&engine);
    stage.set_learned(&learned);

    const Timestamp t0 = seconds(1'800'000'000);
    for (int n = 0; n < 11; ++n) {
        record::Contact c = call("+442079460000", n, t0 + seconds(10 * n));
        stage.decide(c);
        INFO("call " << n);
        CHECK_FALSE(on_learned(*c.verdict));  // the finding's own call is judged by the finding
        CHECK(c.verdict->rule == (n == 10 ? "reject-wangiri" : "default"));
        cancel_after_ring(c);
        stage.on_contact(c);
    }
    const auto entries = learned.entries();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0] == lists::LearnedEntry{"442079460000", lists::LearnedKind::number, 1'800'000'100 + kTtl,
                                            1'800'000'100, "behaviour.wangiri"});

    record::Contact next = call("+442079460000", 20, t0 + seconds(200));
    stage.decide(next);
    CHECK(on_learned(*next.verdict));
    CHECK(next.verdict->rule == "reject-learned");
    CHECK(next.verdict->action == "reject");
    CHECK(next.verdict->sip_status == 603);

    record::Contact other = call("+442079460001", 21, t0 + seconds(201));
    stage.decide(other);
    CHECK_FALSE(on_learned(*other.verdict));
    CHECK(other.verdict->rule == "default");

    StatsReport report;
    stage.append_stats(report);
    CHECK(report.values().at("lists.learned.hits") == 1);
    CHECK(report.values().at("lists.learned.added") >= 1);
}

TEST_CASE("without behaviour, a manual entry marks the caller until its expiry (packet time)") {
    const Policy policy = learned_policy();
    lists::LearnedList learned(100, kTtl);
    learned.add(lists::LearnedEntry{"442079460000", lists::LearnedKind::number, 1'800'000'060, 1'800'000'000, "manual"});
    Collect out;
    DetectionStage stage(detector(), policy, out);
    stage.set_learned(&learned);

    record::Contact before = call("+442079460000", 1, seconds(1'800'000'059));
    stage.decide(before);
    CHECK(on_learned(*before.verdict));
    CHECK(before.verdict->rule == "reject-learned");

    record::Contact after = call("+442079460000", 2, seconds(1'800'000'060));
    stage.decide(after);
    CHECK_FALSE(on_learned(*after.verdict));
    CHECK(after.verdict->rule == "default");
}

namespace {

record::Contact sms_from(int sender, Timestamp at, const std::string& text) {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.ts = at;
    c.ingress.src = *IpAddress::parse("198.51.100.7");
    c.sms.emplace();
    c.sms->protocol = "smpp";
    c.sms->sender.address = "849012" + std::to_string(30000 + sender);
    c.sms->sender.ton = 1;
    c.sms->sender.npi = 1;
    c.sms->recipients.push_back(record::SmsAddress{"84987" + std::to_string(600000 + sender), 1, 1});
    c.sms->text = text;
    c.sms->encoding = "gsm7";
    c.sms->first_seen = at;
    return c;
}

}  // namespace

TEST_CASE("a url_spray finding puts the domain on the learned list, and a later SMS with it carries `learned`") {
    const Policy policy = learned_policy();
    behaviour::Settings settings;
    settings.sms_campaign.min_senders = 0;  // only url_spray here (min_senders 10)
    behaviour::Engine engine(behaviour::Capacity{});
    lists::LearnedList learned(100, kTtl);
    Collect out;
    DetectionStage stage(detector(), policy, out, &settings);
    stage.set_behaviour(&engine);
    stage.set_learned(&learned);

    const Timestamp t0 = seconds(1'800'000'000);
    bool fired = false;
    for (int n = 0; n < 10; ++n) {
        record::Contact c = sms_from(n, t0 + seconds(n), "Ban nhan duoc qua " + std::to_string(n) + " tai https://phish-gift.example/a" + std::to_string(n));
        stage.decide(c);
        CHECK_FALSE(on_learned(*c.verdict));
        fired = fired || std::any_of(c.verdict->checks.begin(), c.verdict->checks.end(),
                                     [](const auto& f) { return f.name == "behaviour.url_spray"; });
    }
    REQUIRE(fired);
    const auto entries = learned.entries();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].key == "phish-gift.example");
    CHECK(entries[0].kind == lists::LearnedKind::domain);
    CHECK(entries[0].by == "behaviour.url_spray");

    record::Contact later = sms_from(50, t0 + seconds(100), "Xem ngay https://phish-gift.example/x");
    stage.decide(later);
    CHECK(on_learned(*later.verdict));
    CHECK(later.verdict->rule == "reject-learned");
    CHECK(later.verdict->smpp_status == 0x45u);
}
