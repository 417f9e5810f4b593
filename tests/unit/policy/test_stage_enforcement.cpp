// settle_enforcement: an event's `enforced` is true only when its action was carried out on the
// wire; otherwise `not_enforced_reason` says why (each reason, and their precedence).
#include <doctest/doctest.h>

#include <map>

#include "policy/stage.h"

using scamgate::policy::AppliedLookup;
using scamgate::policy::AppliedMessage;
using scamgate::policy::settle_enforcement;
using scamgate::policy::WireContext;
using scamgate::record::NotEnforcedReason;
using scamgate::record::Verdict;

namespace {

class FakeLedger final : public AppliedLookup {
public:
    std::optional<AppliedMessage> take(const std::string& key) override {
        auto it = entries.find(key);
        if (it == entries.end()) return std::nullopt;
        auto found = it->second;
        entries.erase(it);
        return found;
    }
    std::map<std::string, AppliedMessage> entries;
};

Verdict verdict(const std::string& action, bool policy_enforces = true) {
    Verdict v;
    v.action = action;
    v.policy_enforces = policy_enforces;
    return v;
}

// The reason settle_enforcement gives (nullopt: enforced), checking the two fields agree.
std::optional<NotEnforcedReason> settled(Verdict v, const std::vector<std::string>& keys, WireContext context,
                                         AppliedLookup* applied) {
    settle_enforcement(v, keys, context, applied);
    CHECK(v.enforced == (!v.not_enforced_reason && scamgate::record::acts_on_wire(v.action)));
    return v.not_enforced_reason;
}

}  // namespace

TEST_CASE("allow and alert: never enforced, no reason, in any context") {
    FakeLedger ledger;
    for (const char* action : {"allow", "alert"}) {
        for (auto context : {WireContext::offline, WireContext::passive, WireContext::inline_gate}) {
            ledger.entries["sip a"] = {action, std::nullopt};
            Verdict v = verdict(action);
            settle_enforcement(v, {"sip a"}, context, &ledger);
            CHECK_FALSE(v.enforced);
            CHECK_FALSE(v.not_enforced_reason);
            // Inline, the gate's entry is used up even though the event needs nothing from it.
            CHECK(ledger.entries.contains("sip a") == (context != WireContext::inline_gate));
        }
    }
}

TEST_CASE("monitor, offline and passive") {
    CHECK(settled(verdict("drop", false), {}, WireContext::inline_gate, nullptr) == NotEnforcedReason::monitor);
    CHECK(settled(verdict("tag"), {"sip a"}, WireContext::offline, nullptr) == NotEnforcedReason::offline);
    CHECK(settled(verdict("reject"), {"sip a"}, WireContext::passive, nullptr) == NotEnforcedReason::passive);
}

TEST_CASE("inline: carried out, not seen, decided otherwise, the gate's own reason") {
    FakeLedger ledger;
    ledger.entries["sip applied"] = {"drop", std::nullopt};
    ledger.entries["sip other"] = {"allow", std::nullopt};
    ledger.entries["sip tcp-tag"] = {"tag", NotEnforcedReason::tcp_tag_unsupported};
    ledger.entries["sip failed"] = {"reject", NotEnforcedReason::fail_open};
    ledger.entries["smpp multi"] = {"drop", NotEnforcedReason::submit_multi};
    ledger.entries["smpp tag"] = {"tag", NotEnforcedReason::smpp_tag_unsupported};
    ledger.entries["sip sctp"] = {"reject", NotEnforcedReason::sctp};
    ledger.entries["sip unsafe"] = {"drop", NotEnforcedReason::tcp_unsafe};
    ledger.entries["sip udp-tag"] = {"tag", NotEnforcedReason::not_changeable};
    CHECK(settled(verdict("drop"), {"sip applied"}, WireContext::inline_gate, &ledger) == std::nullopt);
    CHECK_FALSE(ledger.entries.contains("sip applied"));  // taken
    CHECK(settled(verdict("drop"), {"sip applied"}, WireContext::inline_gate, &ledger) ==
          NotEnforcedReason::not_seen_inline);
    CHECK(settled(verdict("drop"), {"sip other"}, WireContext::inline_gate, &ledger) ==
          NotEnforcedReason::decided_otherwise);
    CHECK(settled(verdict("tag"), {"sip tcp-tag"}, WireContext::inline_gate, &ledger) ==
          NotEnforcedReason::tcp_tag_unsupported);
    CHECK(settled(verdict("reject"), {"sip failed"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::fail_open);
    CHECK(settled(verdict("drop"), {"smpp multi"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::submit_multi);
    CHECK(settled(verdict("tag"), {"smpp tag"}, WireContext::inline_gate, &ledger) ==
          NotEnforcedReason::smpp_tag_unsupported);
    CHECK(settled(verdict("reject"), {"sip sctp"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::sctp);
    CHECK(settled(verdict("drop"), {"sip unsafe"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::tcp_unsafe);
    CHECK(settled(verdict("tag"), {"sip udp-tag"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::not_changeable);
    // Seen but not decidable from its packet (empty action): its reason, whatever the action.
    ledger.entries["sip cut"] = {"", NotEnforcedReason::tcp_unsafe};
    CHECK(settled(verdict("reject"), {"sip cut"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::tcp_unsafe);
    CHECK(ledger.entries.empty());
    // No ledger at all, or a contact with no message key: nothing says it was applied.
    CHECK(settled(verdict("drop"), {"sip x"}, WireContext::inline_gate, nullptr) == NotEnforcedReason::not_seen_inline);
    CHECK(settled(verdict("drop"), {}, WireContext::inline_gate, &ledger) == NotEnforcedReason::not_seen_inline);
}

TEST_CASE("multi-part SMS: all parts applied, some (partial), none (the first part's reason)") {
    FakeLedger ledger;
    ledger.entries = {{"p1", {"drop", std::nullopt}}, {"p2", {"drop", std::nullopt}}};
    CHECK(settled(verdict("drop"), {"p1", "p2"}, WireContext::inline_gate, &ledger) == std::nullopt);
    ledger.entries = {{"p1", {"drop", std::nullopt}}, {"p2", {"allow", std::nullopt}}};
    CHECK(settled(verdict("drop"), {"p1", "p2"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::partial);
    ledger.entries = {{"p1", {"drop", std::nullopt}}};
    CHECK(settled(verdict("drop"), {"p1", "p2"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::partial);
    ledger.entries = {{"p2", {"drop", NotEnforcedReason::tcp_unsafe}}};
    CHECK(settled(verdict("drop"), {"p1", "p2"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::not_seen_inline);
    ledger.entries = {{"p1", {"drop", NotEnforcedReason::tcp_unsafe}}, {"p2", {"allow", std::nullopt}}};
    CHECK(settled(verdict("drop"), {"p1", "p2"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::tcp_unsafe);
}

TEST_CASE("precedence: monitor over offline/passive over the gate's ledger") {
    FakeLedger ledger;
    ledger.entries["sip a"] = {"drop", std::nullopt};
    // Monitor wins even where the gate says it applied the action (it does not, in monitor mode).
    CHECK(settled(verdict("drop", false), {"sip a"}, WireContext::inline_gate, &ledger) == NotEnforcedReason::monitor);
    CHECK_FALSE(ledger.entries.contains("sip a"));  // taken all the same
    ledger.entries["sip a"] = {"drop", std::nullopt};
    CHECK(settled(verdict("drop", false), {"sip a"}, WireContext::offline, &ledger) == NotEnforcedReason::monitor);
    CHECK(settled(verdict("drop", false), {"sip a"}, WireContext::passive, &ledger) == NotEnforcedReason::monitor);
    // Offline and passive never read the ledger.
    CHECK(settled(verdict("drop"), {"sip a"}, WireContext::passive, &ledger) == NotEnforcedReason::passive);
    CHECK(settled(verdict("drop"), {"sip a"}, WireContext::offline, &ledger) == NotEnforcedReason::offline);
    CHECK(ledger.entries.contains("sip a"));
}

TEST_CASE("reason names are the JSON values") {
    using scamgate::record::not_enforced_reason_name;
    CHECK(not_enforced_reason_name(NotEnforcedReason::monitor) == "monitor");
    CHECK(not_enforced_reason_name(NotEnforcedReason::tcp_tag_unsupported) == "tcp_tag_unsupported");
    CHECK(not_enforced_reason_name(NotEnforcedReason::smpp_tag_unsupported) == "smpp_tag_unsupported");
    CHECK(not_enforced_reason_name(NotEnforcedReason::not_seen_inline) == "not_seen_inline");
    CHECK(not_enforced_reason_name(NotEnforcedReason::decided_otherwise) == "decided_otherwise");
    CHECK(not_enforced_reason_name(NotEnforcedReason::partial) == "partial");
    CHECK(not_enforced_reason_name(NotEnforcedReason::fail_open) == "fail_open");
}

TEST_CASE("message keys: a call by its Call-ID, an SMS by its parts, anything else none") {
    scamgate::record::Contact call;
    call.call.emplace();
    call.call->call_id = "abc@host";
    CHECK(scamgate::record::message_keys(call) == std::vector<std::string>{"sip abc@host"});
    scamgate::record::Contact sms;
    sms.kind = scamgate::record::ContactKind::sms;
    sms.sms.emplace();
    sms.sms->part_keys = {"k1", "k2"};
    CHECK(scamgate::record::message_keys(sms) == std::vector<std::string>{"k1", "k2"});
    CHECK(scamgate::record::message_keys(scamgate::record::Contact{}).empty());
}
