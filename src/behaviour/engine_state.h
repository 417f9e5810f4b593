#pragma once
// The engine's state (private to src/behaviour/): the key table, the campaign table, the finding
// counters, and the per-finding steps of observe() and call_ended(), defined in call_findings.cpp
// and sms_findings.cpp.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/evidence.h"
#include "behaviour/findings.h"
#include "behaviour/key_table.h"
#include "behaviour/shared_blob.h"
#include "behaviour/sharing.h"

namespace scamgate::behaviour {

struct Engine::State {
    explicit State(const Capacity& capacity) : keys(capacity.keys), campaigns(capacity.campaigns) {}

    KeyTable keys;
    CampaignTable campaigns;
    std::array<std::atomic<std::uint64_t>, kFindingCount> fired{};
    std::unique_ptr<Sharing> sharing;  // behaviour.redis; null: local only. After the tables: its last flush reads them.

    // The other instances' state of `key` (nullopt without sharing or when none is known).
    template <typename S>
    std::optional<S> peer_view(std::uint64_t key) const {
        if (!sharing) return std::nullopt;
        return sharing->peer<S>(key);
    }
    // `read` of the local state, merged with the peers' when there is a peer view.
    template <typename S, typename Read>
    static auto read_merged(const S& local, const std::optional<S>& peer, const Settings& settings, Read&& read) {
        if (!peer) return read(local);
        S merged = local;
        merge_state(merged, *peer, settings);
        return read(static_cast<const S&>(merged));
    }

    void observe_call(const Observation& call, const Settings& settings, FindingSet& out);
    // True when this is the caller's first call attempt in the call_rate window here.
    bool observe_caller(std::uint64_t key, const Observation& call, const Settings& settings, FindingSet& out);
    // `fetch_peers`: ask the sync thread for the peers' state of the key (a caller new here).
    void observe_wangiri(std::uint64_t key, KeyKind kind, std::string_view name, const Observation& call,
                         const Settings& settings, bool fetch_peers, FindingSet& out);
    void observe_call_account(std::uint64_t key, const Observation& call, const Settings& settings, FindingSet& out);
    void observe_source(std::uint64_t key, const Observation& call, const Settings& settings, FindingSet& out);
    void observe_sender(const Observation& sms, const Settings& settings, FindingSet& out);
    void observe_sms_account(const Observation& sms, const Settings& settings, FindingSet& out);
    // What a sender and an account share (sms_rate, sms_recipient_spray); sms_findings.cpp.
    struct SmsParty {
        KeyKind kind;
        std::string_view label;  // "sender", "account": names the key in the evidence
        std::string_view id;
        std::uint32_t rate_limit;
        std::uint32_t spray_limit;
    };
    template <typename PartyState>
    void observe_sms_party(const Observation& sms, const SmsParty& party, WindowCounter PartyState::*messages,
                           const Settings& settings, FindingSet& out);
    void observe_campaign(const Observation& sms, std::uint64_t fingerprint, const Settings& settings, FindingSet& out);
    void observe_domains(const Observation& sms, const Settings& settings, FindingSet& out);
    void count_wangiri(KeyKind kind, std::string_view key, const CallEnded& call, const Settings& settings);
};

}  // namespace scamgate::behaviour
