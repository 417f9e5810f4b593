#include "enforce/enforcement_ledger.h"

#include <algorithm>

namespace scamgate::enforce {

void EnforcementLedger::record(const std::vector<DecidedMessage>& decided, bool wire_ok) {
    for (const auto& message : decided) {
        auto reason = message.not_enforced;
        if (!reason && !wire_ok && record::acts_on_wire(message.action)) reason = record::NotEnforcedReason::fail_open;
        policy::AppliedMessage applied{message.action, reason};
        if (auto it = entries_.find(message.key); it != entries_.end()) {
            // Decided again (a TCP retransmission, a repeated Call-ID): the latest decision counts.
            it->second.applied = std::move(applied);
            continue;
        }
        make_room();
        const std::uint64_t serial = ++next_serial_;
        entries_.emplace(message.key, Entry{std::move(applied), serial});
        order_.push_back(Inserted{message.key, serial});
    }
}

std::optional<policy::AppliedMessage> EnforcementLedger::take(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    policy::AppliedMessage found = std::move(it->second.applied);
    entries_.erase(it);
    return found;
}

bool EnforcementLedger::live(const Inserted& inserted) const {
    auto it = entries_.find(inserted.key);
    return it != entries_.end() && it->second.serial == inserted.serial;
}

// A full table loses its oldest entry. Taken entries stay in the order until they reach its front
// or the order grows past twice the bound, when it is compacted.
void EnforcementLedger::make_room() {
    if (order_.size() >= 2 * max_entries_) std::erase_if(order_, [this](const Inserted& i) { return !live(i); });
    while (entries_.size() >= max_entries_ && !order_.empty()) {
        const Inserted oldest = std::move(order_.front());
        order_.pop_front();
        if (!live(oldest)) continue;
        entries_.erase(oldest.key);
        ++evicted_;
    }
}

void EnforcementLedger::append_stats(StatsReport& report) const { report.add("inline.ledger_evicted", evicted_); }

}  // namespace scamgate::enforce
