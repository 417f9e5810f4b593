#pragma once
// What the inline gate actually applied, per decided message (record::message_key_*), kept until
// the detection stage writes the message's event and looks it up (policy::AppliedLookup). The
// loops record a packet's decisions after its verdict is set or its frame injected, with whether
// that worked. Bounded: when full, the oldest entry goes (counted inline.ledger_evicted), and its
// event then says not_seen_inline. One thread: the loop's, which also runs the worker and stage.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "policy/stage.h"
#include "record/verdict.h"

namespace scamgate::enforce {

// One message the gate decided on in a packet: the action and, when it was not carried out, why
// (an empty action with a reason: seen, but it could not be decided on from this packet).
struct DecidedMessage {
    std::string key;
    std::string action;
    std::optional<record::NotEnforcedReason> not_enforced;
};

class EnforcementLedger final : public policy::AppliedLookup {
public:
    explicit EnforcementLedger(std::size_t max_entries) : max_entries_(max_entries == 0 ? 1 : max_entries) {}
    // `wire_ok`: the verdict was set / the (changed) frame went out as decided. When false, a
    // decision that was to be carried out becomes fail_open.
    void record(const std::vector<DecidedMessage>& decided, bool wire_ok);
    std::optional<policy::AppliedMessage> take(const std::string& key) override;
    std::size_t size() const { return entries_.size(); }
    // inline.ledger_evicted
    void append_stats(StatsReport& report) const;

private:
    struct Entry {
        policy::AppliedMessage applied;
        std::uint64_t serial = 0;  // which insertion of the key this is (a key may come back after a take)
    };
    struct Inserted {
        std::string key;
        std::uint64_t serial = 0;
    };
    void make_room();
    bool live(const Inserted& inserted) const;

    std::size_t max_entries_;
    std::unordered_map<std::string, Entry> entries_;
    std::deque<Inserted> order_;  // insertion order; may hold keys already taken (skipped, compacted)
    std::uint64_t next_serial_ = 0;
    std::uint64_t evicted_ = 0;
};

}  // namespace scamgate::enforce
