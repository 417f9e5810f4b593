#pragma once
// The engine's state (private to src/behaviour/): the key table, the campaign table, the finding
// counters, and the per-finding steps of observe() and call_ended(), defined in call_findings.cpp
// and sms_findings.cpp.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/evidence.h"
#include "behaviour/findings.h"
#include "behaviour/key_table.h"

namespace scamgate::behaviour {

struct Engine::State {
    explicit State(const Capacity& capacity) : keys(capacity.keys), campaigns(capacity.campaigns) {}

    KeyTable keys;
    CampaignTable campaigns;
    std::array<std::atomic<std::uint64_t>, kFindingCount> fired{};

    void observe_call(const Observation& call, const Settings& settings, FindingSet& out);
    void observe_caller(std::uint64_t key, const Observation& call, const Settings& settings, FindingSet& out);
    void observe_wangiri(std::uint64_t key, KeyKind kind, std::string_view name, const Observation& call,
                         const Settings& settings, FindingSet& out);
    void observe_call_account(std::uint64_t key, const Observation& call, const Settings& settings, FindingSet& out);
    void observe_source(std::uint64_t key, const Observation& call, const Settings& settings, FindingSet& out);
    void observe_sender(const Observation& sms, const Settings& settings, FindingSet& out);
    void observe_sms_account(const Observation& sms, const Settings& settings, FindingSet& out);
    void observe_campaign(const Observation& sms, const Settings& settings, FindingSet& out);
    void observe_domains(const Observation& sms, const Settings& settings, FindingSet& out);
    void count_wangiri(KeyKind kind, std::string_view key, const CallEnded& call, const Settings& settings);
};

}  // namespace scamgate::behaviour
