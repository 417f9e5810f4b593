#pragma once
// What the detection-stage tests share (behaviour, learned list, overrides): a detector with two
// international trunks, a policy from YAML text, a sink that keeps what reaches it, a call and its
// Wangiri-style end, and a look-up of a check on a verdict.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "policy/policy.h"
#include "record/contact.h"
#include "temp_files.h"

namespace scamgate::policy::test_fixtures {

inline const std::string kSource = SCAMGATE_SOURCE_DIR;

// The small test pack, the Vietnamese plan and two international trunks: an interconnect
// ("intl", 203.0.113.0/24) and a second carrier ("intl2", 198.51.100.0/24). Loaded once.
inline const detect::Detector& stage_detector() {
    static const detect::Detector d = [] {
        detect::DetectorConfig c;
        c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
        c.numbering_plan = kSource + "/config/numbering/vn.yaml";
        c.trunks = {detect::parse_trunk_option("intl:international:203.0.113.0/24"),
                    detect::parse_trunk_option("intl2:international:198.51.100.0/24")};
        return detect::Detector::load(c);
    }();
    return d;
}

// A policy from its YAML text; rules may name every check, behaviour findings included.
inline Policy policy_from_yaml(std::string_view yaml) {
    const test_support::TempFile file("policy", ".yaml");
    return load_policy(file.write(std::string(yaml)), known_check_names());
}

// Enforce mode, one rule: behaviour.wangiri rejects with 603.
inline Policy wangiri_policy() {
    return policy_from_yaml(R"(
mode: enforce
rules:
  - name: reject-wangiri
    when: {kind: call, checks: [behaviour.wangiri]}
    then: {action: reject, sip_status: 603, sip_reason: Decline}
)");
}

struct CollectContacts final : record::ContactSink {
    std::vector<record::Contact> contacts;
    void on_contact(const record::Contact& c) override { contacts.push_back(c); }
};

// An initial INVITE from `caller` (E.164 with '+') sent by `source` to `callee`.
inline record::Contact test_call(const std::string& caller, const std::string& source, const std::string& callee,
                                 const std::string& call_id, Timestamp invite,
                                 const std::string& destination = "203.0.113.1") {
    record::Contact c;
    c.kind = record::ContactKind::call;
    c.ts = invite;
    c.ingress.src = *IpAddress::parse(source);
    c.ingress.dst = *IpAddress::parse(destination);
    c.ingress.transport = "udp";
    c.caller.user = caller;
    c.callee.user = callee;
    c.call.emplace();
    c.call->call_id = call_id;
    c.call->from.user = c.caller.user;
    c.call->from.uri = "sip:" + c.caller.user + "@" + source;
    c.call->to.user = c.callee.user;
    c.call->timeline.invite = invite;
    return c;
}

// The call ends cancelled after a 2 s ring: a Wangiri call under the default max_ring (8 s).
inline void cancel_after_ring(record::Contact& c) {
    c.call->timeline.ringing = c.call->timeline.invite + seconds(0.5);
    c.call->timeline.end = c.call->timeline.invite + seconds(2);
    c.call->final_status = 487;
    c.call->end = record::CallEnd::cancel;
    c.ts = c.call->timeline.end;
}

inline bool has_check(const record::Verdict& v, std::string_view name) {
    return std::any_of(v.checks.begin(), v.checks.end(), [&](const auto& c) { return c.name == name; });
}

}  // namespace scamgate::policy::test_fixtures
