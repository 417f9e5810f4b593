#pragma once
// The detection stage between the pipeline and the outputs: each finished contact is assessed
// (trunk, signatures, checks, lists, score), the policy decides, and the contact goes on with its
// verdict attached.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"
#include "common/stats.h"
#include "detect/detector.h"
#include "lists/learned_list.h"
#include "policy/behaviour_input.h"
#include "policy/behaviour_overrides.h"
#include "policy/policy.h"
#include "record/contact.h"

namespace scamgate::policy {

// One detector and policy in force, kept alive by `keep` for as long as a user holds the snapshot
// (a reload may replace them meanwhile).
struct DetectionSnapshot {
    std::shared_ptr<const void> keep;  // may be null when the owner outlives every user
    const detect::Detector* detector = nullptr;
    const Policy* policy = nullptr;
    const behaviour::Settings* behaviour = nullptr;  // null: the defaults
    // Per-trunk / per-prefix thresholds resolved from `behaviour` (null: none).
    const BehaviourOverrides* behaviour_overrides = nullptr;
};

// Where the detector and policy in force come from; current() is called once per contact (or
// decided packet) and must be safe to call from any thread.
class SnapshotSource {
public:
    virtual ~SnapshotSource() = default;
    virtual DetectionSnapshot current() const = 0;
};

// A user's current snapshot with its own Hyperscan scratch, re-made when the snapshot changes.
class SnapshotUser {
public:
    SnapshotUser(const detect::Detector& detector, const Policy& policy,
                 const behaviour::Settings* behaviour = nullptr,
                 const BehaviourOverrides* behaviour_overrides = nullptr);  // fixed, never changes
    explicit SnapshotUser(const SnapshotSource& source);
    // The snapshot to use for the next assessment (refreshed from the source, if any).
    const DetectionSnapshot& refresh();
    detect::Scratch& scratch() { return scratch_; }

private:
    const SnapshotSource* source_ = nullptr;
    DetectionSnapshot current_;
    detect::Scratch scratch_;
};

// Where the traffic a stage judges came from, which says whether a decided action could have been
// carried out on the wire.
enum class WireContext : std::uint8_t {
    offline,      // replay, try: there is no wire
    passive,      // a copy of the traffic (active replies answer, the original goes on)
    inline_gate,  // nfqueue or bridge: the gate's ledger says what was applied
};

// What the inline gate did with one message (by record::message_key_*): the action it decided and
// why it was not carried out (nullopt: carried out on the wire). An empty action: the gate saw the
// message but could not decide on it; `not_enforced` then says why, whatever the action.
struct AppliedMessage {
    std::string action;
    std::optional<record::NotEnforcedReason> not_enforced;
};

// The gate's record of applied decisions; take() hands out (and forgets) one message's entry.
class AppliedLookup {
public:
    virtual ~AppliedLookup() = default;
    virtual std::optional<AppliedMessage> take(const std::string& key) = 0;
};

// Fills `verdict.enforced` and `verdict.not_enforced_reason` from its action and policy_enforces,
// the wire context and (inline) the gate's ledger entries for `keys` (the contact's messages).
// Precedence: allow/alert (nothing to do) > monitor > offline/passive > the gate's own reason
// (not_seen_inline, decided_otherwise, a transport reason, fail_open) > partial.
void settle_enforcement(record::Verdict& verdict, const std::vector<std::string>& keys, WireContext context,
                        AppliedLookup* applied);

// Judges contacts: as the pipeline's decider, when a call's INVITE or a single-part SMS arrives;
// as its sink, it settles what was carried out, counts, and passes the record on. A record that
// reaches the sink undecided (a concatenated SMS, a pipeline run without a decider) is judged then.
class DetectionStage final : public record::ContactSink, public record::ContactDecider {
public:
    DetectionStage(const detect::Detector& detector, const Policy& policy, record::ContactSink& next,
                   const behaviour::Settings* behaviour = nullptr,
                   const BehaviourOverrides* behaviour_overrides = nullptr);
    // The detector and policy are taken from `source` for every contact (reloadable).
    DetectionStage(const SnapshotSource& source, record::ContactSink& next);
    // Where the contacts come from (offline until told); `applied` (inline_gate only, not owned)
    // must outlive the stage's use.
    void set_wire(WireContext context, AppliedLookup* applied = nullptr);
    // Behaviour (not owned; one engine shared by every stage of the process, outliving them): each
    // decided contact is counted and its findings join the verdict's checks before the policy
    // decides; each decided call is closed when its record ends. Null (the default): no behaviour.
    void set_behaviour(behaviour::Engine* engine);
    // The learned block list (not owned; one for the process, outliving the stages; null: none).
    // At each decision `learned` joins the verdict's lists when the caller / sender (E.164) or a
    // URL's registrable domain is on it and not expired at the contact's packet time; a blocking
    // behaviour finding (learning_findings()) puts the number or its domains on it.
    void set_learned(lists::LearnedList* learned);
    void decide(record::Contact& contact) override;
    void on_register(const IpAddress& source, Timestamp at) override;
    void on_contact(const record::Contact& contact) override;
    // detect.contacts, detect.hits, detect.checks.<name>, policy.action.<action>, policy.enforced
    // (the policy would enforce), policy.applied (carried out on the wire),
    // policy.not_enforced.<reason>, lists.learned.hits (decisions on the learned list),
    // lists.learned.added (entries a finding added or extended)
    void append_stats(StatsReport& report) const;

private:
    void observe_behaviour(record::Contact& contact, const BehaviourKeys& keys, const detect::Features& features,
                           const DetectionSnapshot& snapshot);
    void match_learned(record::Contact& contact, const BehaviourKeys& keys, const detect::Features& features);
    void learn(std::string_view finding, const BehaviourKeys& keys, const behaviour::Observation& observation);
    void close_behaviour(const record::Contact& contact);
    // The snapshot's behaviour thresholds, or the defaults when it names none.
    const behaviour::Settings& behaviour_settings(const DetectionSnapshot& snapshot) const;
    // The thresholds for one contact: its caller's prefix override, else its trunk's, else the
    // snapshot's (BehaviourOverrides::select). The decision and the call's end pick the same.
    const behaviour::Settings& behaviour_settings(const DetectionSnapshot& snapshot, std::string_view caller,
                                                  std::string_view trunk) const;

    SnapshotUser user_;
    behaviour::Engine* behaviour_ = nullptr;
    lists::LearnedList* learned_ = nullptr;
    std::uint64_t learned_hits_ = 0;
    std::uint64_t learned_added_ = 0;
    behaviour::Settings default_behaviour_;  // when the snapshot names none
    record::ContactSink& next_;
    std::uint64_t contacts_ = 0;
    std::uint64_t hits_ = 0;
    WireContext context_ = WireContext::offline;
    AppliedLookup* applied_ = nullptr;
    std::uint64_t enforced_ = 0;
    std::uint64_t applied_count_ = 0;
    std::map<std::string, std::uint64_t> not_enforced_;
    std::map<std::string, std::uint64_t> checks_;
    std::map<std::string, std::uint64_t> actions_;
    std::map<std::string, std::uint64_t> actions_applied_;  // policy.enforced_action.<action>: carried out on the wire
};

}  // namespace scamgate::policy
