#pragma once
// What behaviour/ reads from a contact (behaviour::Observation at its decision,
// behaviour::CallEnded when a call's record ends), built from the record, its features and
// verdict, and the detector's numbering plan: behaviour/ itself never sees a record.
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/behaviour.h"
#include "detect/detector.h"
#include "record/contact.h"

namespace scamgate::policy {

// The keys behaviour counts a contact under, owned here (the observation's views point into them).
struct BehaviourKeys {
    std::string caller;  // E.164 digits without '+', or the user / sender as presented
    std::string callee;  // the callee or first recipient, the same way
};

// The packet time a contact is decided at: the call's INVITE, the SMS's first part, else its record.
Timestamp decision_time(const record::Contact& contact);

// The distinct registrable domains (else hosts) of the contact's URLs; views into `features`.
std::vector<std::string_view> url_domains(const detect::Features& features);

// `features`, when the detector made them for this contact, lends its classification of the
// caller and callee (no second look-up in the numbering plan); else the detector classifies.
BehaviourKeys behaviour_keys(const record::Contact& contact, const detect::Detector& detector,
                             const detect::Features* features = nullptr);

// `verdict` is the contact's assessment before the policy decides: its role says whether the
// contact came from abroad, its lists whether it is exempt (allow-listed, a registered brand).
behaviour::Observation behaviour_observation(const record::Contact& contact, const BehaviourKeys& keys,
                                             const detect::Features& features, const record::Verdict& verdict);

// A call's record as it ended (the contact must be a call).
behaviour::CallEnded behaviour_call_ended(const record::Contact& contact, const BehaviourKeys& keys);

}  // namespace scamgate::policy
