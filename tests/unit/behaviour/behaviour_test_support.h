#pragma once
// Building observations and reading findings in the behaviour tests.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/behaviour.h"

namespace scamgate::behaviour::test {

// A packet time that is a whole multiple of every window the tests use (10 s .. 3600 s), so a
// test starts at the beginning of a bucket.
inline constexpr Timestamp kT0 = Timestamp{1'699'999'200} * kNanosPerSecond;

inline Timestamp at_s(double s) { return kT0 + seconds(s); }

// Every threshold off: a test switches on only the finding it is about.
inline Settings quiet_settings() {
    Settings s;
    s.call_rate.per_caller = 0;
    s.call_rate.per_account = 0;
    s.call_rate.per_source = 0;
    s.callee_spray.distinct_callees = 0;
    s.wangiri.min_calls = 0;
    s.short_calls.min_attempts = 0;
    s.sequential_callees.min_run = 0;
    s.concurrent_calls.per_caller = 0;
    s.concurrent_calls.per_account = 0;
    s.register_flood.per_source = 0;
    s.sms_rate.per_sender = 0;
    s.sms_rate.per_account = 0;
    s.sms_recipient_spray.per_sender = 0;
    s.sms_recipient_spray.per_account = 0;
    s.sms_campaign.min_senders = 0;
    s.sms_campaign.min_recipients = 0;
    s.url_spray.min_senders = 0;
    return s;
}

// The observation views its strings: keep them alive while it is used (a temporary std::string
// passed here dangles once the statement ends).
inline Observation call(std::string_view caller, std::string_view callee, Timestamp at) {
    Observation o;
    o.medium = Medium::call;
    o.caller = caller;
    o.callee = callee;
    o.at = at;
    return o;
}

inline Observation sms(std::string_view sender, std::string_view recipient, Timestamp at,
                       std::string_view folded_text = {}) {
    Observation o;
    o.medium = Medium::sms;
    o.caller = sender;
    o.callee = recipient;
    o.at = at;
    o.text_folded = folded_text;
    return o;
}

inline std::vector<std::string> names_of(const std::vector<record::CheckFinding>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings) out.push_back(f.name);
    return out;
}

inline bool has(const std::vector<record::CheckFinding>& findings, std::string_view name) {
    return std::any_of(findings.begin(), findings.end(), [&](const auto& f) { return f.name == name; });
}

// The evidence of `name`, or "" when it did not fire.
inline std::string evidence_of(const std::vector<record::CheckFinding>& findings, std::string_view name) {
    for (const auto& f : findings) {
        if (f.name == name) return f.evidence;
    }
    return {};
}

// "84900000000" + n, as a callee number string of 11 digits.
inline std::string number(std::uint64_t base, std::uint64_t n) { return std::to_string(base + n); }

// A campaign's senders and recipients, and its members' texts: one template, each member with its
// own numbers, amounts and URLs (which the fingerprint masks, so every member has the same one).
inline std::string sender_number(int i) { return std::to_string(84'980'000'000ULL + static_cast<std::uint64_t>(i) * 13); }
inline std::string recipient_number(int i) {
    return std::to_string(84'900'000'000ULL + static_cast<std::uint64_t>(i) * 17);
}
inline std::string member_text(int i) {
    return "your parcel " + std::to_string(100000 + i * 37) + " is held at customs, pay " + std::to_string(i + 1) +
           ".500.000d at https://post-vn" + std::to_string(i) + ".top/pay today or call 09" + std::to_string(i) +
           "12345";
}

}  // namespace scamgate::behaviour::test
