#include "policy/behaviour_input.h"

#include <algorithm>
#include <string_view>

#include "phone/number.h"

namespace scamgate::policy {

namespace {

// E.164 digits when the plan knows the number's country, else the number as presented (so an
// unknown format is still one key, just not merged with its other spellings).
std::string number_key(std::string_view presented, const phone::NumberInfo& info) {
    if (presented.empty()) return {};
    if (info.e164.empty()) return std::string(presented);
    return info.e164.substr(info.e164.starts_with('+') ? 1 : 0);
}
std::string number_key(const detect::Detector& detector, std::string_view presented,
                       std::optional<std::uint8_t> ton = {}, std::optional<std::uint8_t> npi = {}) {
    if (presented.empty()) return {};
    return number_key(presented, detector.classify_number(presented, ton, npi));
}

bool on_list(const record::Verdict& verdict, std::string_view list) {
    return std::find(verdict.lists.begin(), verdict.lists.end(), list) != verdict.lists.end();
}

}  // namespace

Timestamp decision_time(const record::Contact& contact) {
    if (contact.call && contact.call->timeline.invite != 0) return contact.call->timeline.invite;
    if (contact.sms && contact.sms->first_seen != 0) return contact.sms->first_seen;
    return contact.ts;
}

std::vector<std::string_view> url_domains(const detect::Features& features) {
    std::vector<std::string_view> domains;
    for (const auto& url : features.urls) {
        const std::string_view domain = url.registrable_domain.empty() ? std::string_view(url.host)
                                                                        : std::string_view(url.registrable_domain);
        if (domain.empty()) continue;
        if (std::find(domains.begin(), domains.end(), domain) == domains.end()) domains.push_back(domain);
    }
    return domains;
}

BehaviourKeys behaviour_keys(const record::Contact& contact, const detect::Detector& detector,
                             const detect::Features* features) {
    // The detector's own reading of the parties when it made the features (the same calls).
    const bool classified = features != nullptr && features->parties_classified;
    BehaviourKeys keys;
    if (contact.call) {
        const auto& from = contact.call->from;
        const std::string_view caller = from.uri.empty() ? from.user : from.uri;
        keys.caller = classified && features->originator ? number_key(caller, *features->originator)
                                                          : number_key(detector, caller);
        keys.callee = classified && features->callee ? number_key(contact.callee.user, *features->callee)
                                                     : number_key(detector, contact.callee.user);
    } else if (contact.sms) {
        const auto& sender = contact.sms->sender;
        // An alphanumeric sender is a name, not a number: it is its own key.
        if (sender.alphanumeric()) {
            keys.caller = sender.address;
        } else {
            keys.caller = classified && features->originator ? number_key(sender.address, *features->originator)
                                                              : number_key(detector, sender.address, sender.ton, sender.npi);
        }
        if (!contact.sms->recipients.empty()) {
            const auto& to = contact.sms->recipients.front();
            keys.callee = number_key(detector, to.address, to.ton, to.npi);
        }
    }
    return keys;
}

behaviour::Observation behaviour_observation(const record::Contact& contact, const BehaviourKeys& keys,
                                             const detect::Features& features, const record::Verdict& verdict) {
    behaviour::Observation o;
    o.medium = contact.sms ? behaviour::Medium::sms : behaviour::Medium::call;
    o.caller = keys.caller;
    o.callee = keys.callee;
    o.source = contact.ingress.src;
    // Per-source counts are for peers outside the configured trunks (scanners, access-side
    // sources): a trunk peer carries many callers' calls, and its rate is its business volume.
    o.has_source = verdict.trunk.empty() && contact.ingress.src != IpAddress{};
    o.international = verdict.role == "international";
    o.exempt = on_list(verdict, "allow_numbers") || on_list(verdict, "brands");
    o.at = decision_time(contact);
    if (contact.sms) {
        const auto& sms = *contact.sms;
        o.account = sms.account;
        o.recipients = static_cast<std::uint32_t>(std::max<std::size_t>(sms.recipients.size(), 1));
        if (features.text) o.text_folded = features.text->folded;
        o.domains = url_domains(features);
    }
    return o;
}

behaviour::CallEnded behaviour_call_ended(const record::Contact& contact, const BehaviourKeys& keys) {
    const auto& call = *contact.call;
    behaviour::CallEnded ended;
    ended.caller = keys.caller;
    ended.callee = keys.callee;
    ended.source = contact.ingress.src;
    ended.has_source = contact.ingress.src != IpAddress{};
    ended.international = contact.verdict && contact.verdict->role == "international";
    ended.invite = call.timeline.invite;
    ended.answer = call.timeline.answer;
    ended.end = call.timeline.end != 0 ? call.timeline.end : contact.ts;
    ended.cancelled = !call.timeline.answer && (call.end == record::CallEnd::cancel || call.final_status == 487);
    return ended;
}

}  // namespace scamgate::policy
