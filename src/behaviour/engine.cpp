// The Engine: dispatches contacts, call ends and REGISTERs to the findings' steps, and reports
// its counters.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "behaviour/engine_state.h"
#include "behaviour/fingerprint.h"

namespace scamgate::behaviour {

std::string seconds_text(Timestamp duration) {
    return fmt::format("{}", static_cast<double>(duration) / static_cast<double>(kNanosPerSecond));
}

std::uint64_t whole(double estimate) { return estimate <= 0 ? 0 : static_cast<std::uint64_t>(std::floor(estimate)); }

// ---- Engine ----

Engine::Engine(const Capacity& capacity) : state_(std::make_unique<State>(capacity)) {}

// The peer table holds a quarter of max_keys: the keys other gateways share that this one also
// sees (at least 1024).
Engine::Engine(const Capacity& capacity, const SharingSettings& sharing, Logger& log) : Engine(capacity) {
    if (sharing.enabled()) {
        state_->sharing = std::make_unique<Sharing>(sharing, state_->keys, state_->campaigns,
                                                    std::max<std::size_t>(capacity.keys / 4, 1024), log);
    }
}
Engine::~Engine() = default;

std::size_t Engine::bytes_per_key() { return kBytesPerKey; }
std::size_t Engine::bytes_per_campaign() { return CampaignTable::bytes_per_campaign(); }

std::vector<record::CheckFinding> Engine::observe(const Observation& contact, const Settings& settings) {
    if (!settings.enabled) return {};
    FindingSet found;
    State& s = *state_;
    if (s.sharing) s.sharing->note_windows(settings);
    if (contact.medium == Medium::call) {
        s.observe_call(contact, settings, found);
    } else {
        // Cache misses overlap with work: the key slots are prefetched before the campaign
        // fingerprint is computed, and the fingerprint's campaign buckets before the keys are
        // counted, the campaign last (findings are listed in their own order whatever the order here).
        if (!contact.caller.empty()) s.keys.prefetch(key_hash(KeyKind::sms_sender, contact.caller));
        if (!contact.account.empty()) s.keys.prefetch(key_hash(KeyKind::sms_account, contact.account));
        for (const std::string_view domain : contact.domains) s.keys.prefetch(key_hash(KeyKind::domain, domain));
        const auto fingerprint = contact.text_folded.empty()
                                     ? std::nullopt
                                     : campaign_fingerprint(contact.text_folded, settings.sms_campaign.min_text_tokens);
        if (fingerprint) s.campaigns.prefetch(*fingerprint);
        if (!contact.caller.empty()) s.observe_sender(contact, settings, found);  // no sender: no sender key
        if (!contact.account.empty()) s.observe_sms_account(contact, settings, found);
        s.observe_domains(contact, settings, found);
        if (fingerprint) s.observe_campaign(contact, *fingerprint, settings, found);
    }
    return found.take(s.fired);
}

// Not gated on settings.enabled: a call counted open while behaviour was on is closed even when a
// reload has switched behaviour off since (its concurrent count must come down exactly once).
void Engine::call_ended(const CallEnded& call, const Settings& settings) {
    State& s = *state_;
    const auto& sc = settings.short_calls;
    const bool answered = call.answer.has_value();
    const bool short_answered = answered && call.end - *call.answer <= sc.max_duration;
    if (!call.caller.empty()) {
        s.keys.update<CallerState>(key_hash(KeyKind::caller, call.caller), call.end, [&](CallerState& c) {
            c.concurrent = saturating_decrement(c.concurrent);
            c.outcomes.add(call.end, sc.window, CallOutcome::ended);
            if (answered) c.outcomes.add(call.end, sc.window, CallOutcome::answered);
            if (short_answered) c.outcomes.add(call.end, sc.window, CallOutcome::short_answered);
        });
    }
    if (!call.account.empty()) {
        s.keys.update_existing<AccountState>(key_hash(KeyKind::call_account, call.account),
                                             [](AccountState& a) { a.concurrent = saturating_decrement(a.concurrent); });
    }

    const auto& w = settings.wangiri;
    const bool short_ring = call.cancelled && !answered && call.end - call.invite <= w.max_ring;
    const bool short_answer = answered && call.end - *call.answer <= w.max_answered;
    if (call.caller.empty() || !(short_ring || short_answer) || (w.international_only && !call.international)) return;
    s.count_wangiri(KeyKind::wangiri_caller, call.caller, call, settings);
    if (w.prefix_digits > 0 && call.caller.size() > w.prefix_digits) {
        s.count_wangiri(KeyKind::wangiri_prefix, call.caller.substr(0, call.caller.size() - w.prefix_digits), call,
                        settings);
    }
}

void Engine::register_seen(const RegisterSeen& request, const Settings& settings) {
    if (!settings.enabled) return;
    const Timestamp window = settings.register_flood.window;
    state_->keys.update<SourceState>(key_hash(KeyKind::source, request.source), request.at,
                                     [&](SourceState& s) { s.requests.add(request.at, window, 0); });
}

void Engine::append_stats(StatsReport& report) const {
    const State& s = *state_;
    report.add("behaviour.keys", s.keys.occupied());
    report.add("behaviour.campaigns", s.campaigns.occupied());
    report.add("behaviour.evictions", s.keys.evictions());
    report.add("behaviour.campaign_evictions", s.campaigns.evictions());
    report.add("behaviour.campaign_sightings", s.campaigns.sightings());
    for (std::size_t i = 0; i < kFindingCount; ++i) {
        const std::string_view name = finding_name(static_cast<Finding>(i));
        report.add(fmt::format("behaviour.findings.{}", name.substr(std::string_view("behaviour.").size())),
                   s.fired[i].load(std::memory_order_relaxed));
    }
    report.add("behaviour.bytes", s.keys.bytes() + s.campaigns.bytes() + (s.sharing ? s.sharing->bytes() : 0));
    if (s.sharing) s.sharing->append_stats(report);
}

}  // namespace scamgate::behaviour
