#include "policy/stage.h"

#include "policy/behaviour_input.h"

namespace scamgate::policy {

namespace {

using record::NotEnforcedReason;

constexpr std::string_view kLearnedList = "learned";

// The behaviour findings that put what they name on the learned list: those the bundled policy
// blocks on, and which name one number (the caller / sender) or domains (docs/behaviour.md).
enum class Learns : std::uint8_t { nothing, caller, domains };

Learns learns_from(std::string_view finding) {
    if (finding == "behaviour.wangiri" || finding == "behaviour.sequential_callees" || finding == "behaviour.sms_campaign") {
        return Learns::caller;
    }
    if (finding == "behaviour.url_spray") return Learns::domains;
    return Learns::nothing;
}

// A caller key is a number only when the plan normalised it to E.164 digits (a presented user or
// an alphanumeric sender is not put on the list).
bool is_e164_digits(std::string_view key) {
    return !key.empty() && key.size() <= 15 && key.find_first_not_of("0123456789") == std::string_view::npos;
}

std::int64_t unix_seconds(Timestamp at) { return at / kNanosPerSecond; }

// One message's outcome from the gate's ledger: nullopt when the event's action was carried out.
std::optional<NotEnforcedReason> gate_outcome(const std::string& action, const std::string& key, AppliedLookup& applied) {
    const auto entry = applied.take(key);
    if (!entry) return NotEnforcedReason::not_seen_inline;
    // An empty action: the gate saw the message but could not decide on it (its reason says why).
    if (!entry->action.empty() && entry->action != action) return NotEnforcedReason::decided_otherwise;
    return entry->not_enforced;
}

// Inline: every message of the contact must have been applied; a multi-part SMS with some parts
// applied and some not is partial, one with none applied carries its first part's reason.
std::optional<NotEnforcedReason> inline_outcome(const std::string& action, const std::vector<std::string>& keys,
                                                AppliedLookup* applied) {
    if (applied == nullptr || keys.empty()) return NotEnforcedReason::not_seen_inline;
    std::optional<NotEnforcedReason> first_reason;
    std::size_t carried_out = 0;
    for (const auto& key : keys) {
        const auto outcome = gate_outcome(action, key, *applied);
        if (!outcome) {
            ++carried_out;
        } else if (!first_reason) {
            first_reason = outcome;
        }
    }
    if (carried_out == keys.size()) return std::nullopt;
    return carried_out == 0 ? first_reason : NotEnforcedReason::partial;
}

}  // namespace

void settle_enforcement(record::Verdict& verdict, const std::vector<std::string>& keys, WireContext context,
                        AppliedLookup* applied) {
    verdict.enforced = false;
    verdict.not_enforced_reason.reset();
    // Inline, the gate's entries are taken whatever the outcome, so none waits for an event that
    // has already been written (allow, alert, monitor).
    const auto from_gate = context == WireContext::inline_gate ? inline_outcome(verdict.action, keys, applied)
                                                                : std::optional<NotEnforcedReason>();
    if (!record::acts_on_wire(verdict.action)) return;
    std::optional<NotEnforcedReason> reason;
    if (!verdict.policy_enforces) {
        reason = NotEnforcedReason::monitor;
    } else if (context == WireContext::offline) {
        reason = NotEnforcedReason::offline;
    } else if (context == WireContext::passive) {
        reason = NotEnforcedReason::passive;
    } else {
        reason = from_gate;
    }
    verdict.enforced = !reason;
    verdict.not_enforced_reason = reason;
}

SnapshotUser::SnapshotUser(const detect::Detector& detector, const Policy& policy, const behaviour::Settings* behaviour,
                           const BehaviourOverrides* behaviour_overrides)
    : current_{nullptr, &detector, &policy, behaviour, behaviour_overrides}, scratch_(detector.make_scratch()) {}

SnapshotUser::SnapshotUser(const SnapshotSource& source)
    : source_(&source), current_(source.current()), scratch_(current_.detector->make_scratch()) {}

const DetectionSnapshot& SnapshotUser::refresh() {
    if (source_ == nullptr) return current_;
    DetectionSnapshot next = source_->current();
    if (next.detector != current_.detector) {
        // The old scratch goes while the old detector is still held by current_.
        scratch_ = next.detector->make_scratch();
    }
    current_ = std::move(next);
    return current_;
}

DetectionStage::DetectionStage(const detect::Detector& detector, const Policy& policy, record::ContactSink& next,
                               const behaviour::Settings* behaviour, const BehaviourOverrides* behaviour_overrides)
    : user_(detector, policy, behaviour, behaviour_overrides), next_(next) {}

DetectionStage::DetectionStage(const SnapshotSource& source, record::ContactSink& next) : user_(source), next_(next) {}

void DetectionStage::set_wire(WireContext context, AppliedLookup* applied) {
    context_ = context;
    applied_ = applied;
}

void DetectionStage::set_behaviour(behaviour::Engine* engine) { behaviour_ = engine; }

const behaviour::Settings& DetectionStage::behaviour_settings(const DetectionSnapshot& snapshot) const {
    return snapshot.behaviour ? *snapshot.behaviour : default_behaviour_;
}

const behaviour::Settings& DetectionStage::behaviour_settings(const DetectionSnapshot& snapshot, std::string_view caller,
                                                              std::string_view trunk) const {
    const behaviour::Settings& base = behaviour_settings(snapshot);
    // Overrides are resolved against the snapshot's own thresholds; without them, none apply.
    if (snapshot.behaviour == nullptr || snapshot.behaviour_overrides == nullptr) return base;
    return snapshot.behaviour_overrides->select(base, caller, trunk);
}

void DetectionStage::set_learned(lists::LearnedList* learned) { learned_ = learned; }

void DetectionStage::decide(record::Contact& contact) {
    const DetectionSnapshot& snapshot = user_.refresh();
    if (behaviour_ == nullptr && learned_ == nullptr) {
        contact.verdict = snapshot.detector->assess(contact, user_.scratch());
    } else {
        const detect::Features features = snapshot.detector->features(contact);
        contact.verdict = snapshot.detector->assess(contact, features, user_.scratch());
        const BehaviourKeys keys = behaviour_keys(contact, *snapshot.detector, &features);
        // Matched before behaviour observes, so a contact is marked by what earlier ones taught,
        // never by its own finding (which the policy judges on its own).
        if (learned_ != nullptr) match_learned(contact, keys, features);
        if (behaviour_ != nullptr) observe_behaviour(contact, keys, features, snapshot);
    }
    policy::decide(*snapshot.policy, contact, *contact.verdict);
}

void DetectionStage::match_learned(record::Contact& contact, const BehaviourKeys& keys, const detect::Features& features) {
    const std::int64_t at = unix_seconds(decision_time(contact));
    bool listed = is_e164_digits(keys.caller) && learned_->contains(keys.caller, at);
    for (const auto domain : listed ? std::vector<std::string_view>() : url_domains(features)) {
        if (learned_->contains(domain, at)) {
            listed = true;
            break;
        }
    }
    if (!listed) return;
    ++learned_hits_;
    contact.verdict->lists.emplace_back(kLearnedList);
}

// Before the policy decides, so a rule can name a behaviour finding and its score counts.
void DetectionStage::observe_behaviour(record::Contact& contact, const BehaviourKeys& keys,
                                       const detect::Features& features, const DetectionSnapshot& snapshot) {
    record::Verdict& verdict = *contact.verdict;
    const behaviour::Settings& settings = behaviour_settings(snapshot, keys.caller, verdict.trunk);
    if (!settings.enabled) return;
    const behaviour::Observation observation = behaviour_observation(contact, keys, features, verdict);
    for (auto& finding : behaviour_->observe(observation, settings)) {
        if (learned_ != nullptr) learn(finding.name, keys, observation);
        verdict.checks.push_back(std::move(finding));
    }
    verdict.behaviour_open = contact.call.has_value();
}

void DetectionStage::learn(std::string_view finding, const BehaviourKeys& keys, const behaviour::Observation& observation) {
    const std::int64_t at = unix_seconds(observation.at);
    switch (learns_from(finding)) {
        case Learns::nothing: return;
        case Learns::caller:
            if (is_e164_digits(keys.caller)) {
                learned_added_ += learned_->learn(lists::LearnedKey{keys.caller, lists::LearnedKind::number}, at, finding);
            }
            return;
        case Learns::domains:
            for (const auto domain : observation.domains) {
                if (auto key = lists::parse_learned_key(domain); key && key->kind == lists::LearnedKind::domain) {
                    learned_added_ += learned_->learn(std::move(*key), at, finding);
                }
            }
            return;
    }
}

// Every call behaviour counted open is closed once, when its record ends, however it ended (and
// whatever a reload has done to the settings meanwhile).
void DetectionStage::close_behaviour(const record::Contact& contact) {
    if (behaviour_ == nullptr || !contact.call || !contact.verdict || !contact.verdict->behaviour_open) return;
    const DetectionSnapshot& snapshot = user_.refresh();
    // The same keys and trunk as at the decision, so the same override (unless a reload changed it).
    const BehaviourKeys keys = behaviour_keys(contact, *snapshot.detector);
    const behaviour::Settings& settings = behaviour_settings(snapshot, keys.caller, contact.verdict->trunk);
    behaviour_->call_ended(behaviour_call_ended(contact, keys), settings);
}

void DetectionStage::on_register(const IpAddress& source, Timestamp at) {
    if (behaviour_ == nullptr) return;
    const DetectionSnapshot& snapshot = user_.refresh();
    // A configured trunk peer is not counted per source (behaviour_observation says why). So a
    // REGISTER, which has no caller, is only ever judged by the base thresholds: a trunk override
    // has nothing of a trunk peer's REGISTERs to judge.
    if (snapshot.detector->trunks().match_address(source) != nullptr) return;
    const behaviour::Settings& settings = behaviour_settings(snapshot);
    if (!settings.enabled) return;
    behaviour_->register_seen(behaviour::RegisterSeen{source, at}, settings);
}

void DetectionStage::on_contact(const record::Contact& contact) {
    record::Contact decided = contact;
    if (!decided.verdict) decide(decided);
    close_behaviour(decided);
    settle_enforcement(*decided.verdict, record::message_keys(decided), context_, applied_);
    ++contacts_;
    hits_ += decided.verdict->hits.size();
    for (const auto& check : decided.verdict->checks) ++checks_[check.name];
    ++actions_[decided.verdict->action];
    enforced_ += decided.verdict->policy_enforces;
    applied_count_ += decided.verdict->enforced;
    if (decided.verdict->enforced) ++actions_applied_[decided.verdict->action];
    if (const auto& reason = decided.verdict->not_enforced_reason) {
        ++not_enforced_[std::string(record::not_enforced_reason_name(*reason))];
    }
    next_.on_contact(decided);
}

void DetectionStage::append_stats(StatsReport& report) const {
    report.add("detect.contacts", contacts_);
    report.add("detect.hits", hits_);
    for (const auto& [name, count] : checks_) report.add("detect.checks." + name, count);
    for (const auto& [name, count] : actions_) report.add("policy.action." + name, count);
    report.add("policy.enforced", enforced_);
    report.add("policy.applied", applied_count_);
    for (const auto& [name, count] : actions_applied_) report.add("policy.enforced_action." + name, count);
    for (const auto& [reason, count] : not_enforced_) report.add("policy.not_enforced." + reason, count);
    if (learned_ != nullptr) {
        report.add("lists.learned.hits", learned_hits_);
        report.add("lists.learned.added", learned_added_);
    }
}

}  // namespace scamgate::policy
