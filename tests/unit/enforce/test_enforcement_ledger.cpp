// The inline gate's ledger: what it applied per message, fail_open when the verdict failed,
// taken once, bounded oldest-first with evictions counted.
#include <doctest/doctest.h>

#include "enforce/enforcement_ledger.h"

using scamgate::enforce::DecidedMessage;
using scamgate::enforce::EnforcementLedger;
using scamgate::record::NotEnforcedReason;

namespace {

std::uint64_t evicted(const EnforcementLedger& ledger) {
    scamgate::StatsReport stats;
    ledger.append_stats(stats);
    return stats.values().at("inline.ledger_evicted");
}

}  // namespace

TEST_CASE("ledger: applied, fail_open on a failed verdict, a reason kept, taken once") {
    EnforcementLedger ledger(10);
    ledger.record({{"sip a", "drop", std::nullopt}, {"sip b", "tag", NotEnforcedReason::tcp_tag_unsupported}}, true);
    ledger.record({{"sip c", "reject", std::nullopt}, {"sip d", "allow", std::nullopt},
                   {"sip e", "tag", NotEnforcedReason::not_changeable}},
                  false);
    auto a = ledger.take("sip a");
    REQUIRE(a);
    CHECK(a->action == "drop");
    CHECK_FALSE(a->not_enforced);
    CHECK_FALSE(ledger.take("sip a"));
    CHECK(ledger.take("sip b")->not_enforced == NotEnforcedReason::tcp_tag_unsupported);
    CHECK(ledger.take("sip c")->not_enforced == NotEnforcedReason::fail_open);
    CHECK_FALSE(ledger.take("sip d")->not_enforced);  // allow: nothing was to be carried out
    CHECK(ledger.take("sip e")->not_enforced == NotEnforcedReason::not_changeable);
    CHECK(ledger.size() == 0);
}

TEST_CASE("ledger: a message decided again keeps the latest decision") {
    EnforcementLedger ledger(10);
    ledger.record({{"sip a", "drop", NotEnforcedReason::tcp_unsafe}}, true);
    ledger.record({{"sip a", "drop", std::nullopt}}, true);
    CHECK(ledger.size() == 1);
    CHECK_FALSE(ledger.take("sip a")->not_enforced);
}

TEST_CASE("ledger: bounded, the oldest entry goes first and is counted") {
    EnforcementLedger ledger(2);
    ledger.record({{"k1", "drop", std::nullopt}, {"k2", "drop", std::nullopt}}, true);
    ledger.record({{"k3", "drop", std::nullopt}}, true);
    CHECK(ledger.size() == 2);
    CHECK(evicted(ledger) == 1);
    CHECK_FALSE(ledger.take("k1"));
    CHECK(ledger.take("k2"));
    // A key taken and recorded again is not evicted by its stale place in the order.
    ledger.record({{"k2", "drop", std::nullopt}}, true);
    ledger.record({{"k4", "drop", std::nullopt}}, true);  // full: k3 (oldest live) goes
    CHECK(evicted(ledger) == 2);
    CHECK_FALSE(ledger.take("k3"));
    CHECK(ledger.take("k2"));
    CHECK(ledger.take("k4"));
    // Many take/record cycles keep the order bounded and evict nothing.
    for (int i = 0; i < 1000; ++i) {
        ledger.record({{"k" + std::to_string(i), "drop", std::nullopt}}, true);
        CHECK(ledger.take("k" + std::to_string(i)));
    }
    CHECK(evicted(ledger) == 2);
}
