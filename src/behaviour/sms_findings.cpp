// SMS findings: sms_rate, sms_recipient_spray, sms_campaign, url_spray (behaviour.h;
// docs/behaviour.md).
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "behaviour/engine_state.h"
#include "behaviour/fingerprint.h"

namespace scamgate::behaviour {

// ---- SMS ----

// A sender and an SMPP account are judged alike; their states name the message counter
// differently (an account's also counts calls), hence the member pointer.
template <typename PartyState>
void Engine::State::observe_sms_party(const Observation& sms, const SmsParty& party,
                                      WindowCounter PartyState::*messages, const Settings& settings, FindingSet& out) {
    struct Reading {
        std::uint32_t messages;
        double recipients;
    };
    const Timestamp at = sms.at;
    const auto& rate = settings.sms_rate;
    const auto& spray = settings.sms_recipient_spray;
    const std::uint64_t key = key_hash(party.kind, party.id);
    const auto peer = peer_view<PartyState>(key);
    const auto reading = keys.update<PartyState>(key, at, [&](PartyState& s) {
        (s.*messages).add(at, rate.window, 0, std::max<std::uint32_t>(sms.recipients, 1));
        if (!sms.callee.empty()) s.recipients.add(at, spray.window, item_hash(sms.callee));
        return read_merged(s, peer, settings, [&](const PartyState& v) {
            return Reading{(v.*messages).count(at, rate.window), v.recipients.estimate(at, spray.window)};
        });
    });
    if (sms.exempt) return;
    if (party.rate_limit > 0 && reading.messages >= party.rate_limit) {
        out.add(Finding::sms_rate, fmt::format("{} {}: {} messages in {} s, threshold {}", party.label, party.id,
                                               reading.messages, seconds_text(rate.window), party.rate_limit));
    }
    if (party.spray_limit > 0 && reading.recipients >= party.spray_limit) {
        out.add(Finding::sms_recipient_spray,
                fmt::format("{} {}: {} distinct recipients in {} s, threshold {}", party.label, party.id,
                            whole(reading.recipients), seconds_text(spray.window), party.spray_limit));
    }
}

void Engine::State::observe_sender(const Observation& sms, const Settings& settings, FindingSet& out) {
    const SmsParty sender{KeyKind::sms_sender, "sender", sms.caller, settings.sms_rate.per_sender,
                          settings.sms_recipient_spray.per_sender};
    observe_sms_party(sms, sender, &SenderState::messages, settings, out);
}

void Engine::State::observe_sms_account(const Observation& sms, const Settings& settings, FindingSet& out) {
    const SmsParty account{KeyKind::sms_account, "account", sms.account, settings.sms_rate.per_account,
                           settings.sms_recipient_spray.per_account};
    observe_sms_party(sms, account, &AccountState::contacts, settings, out);
}

void Engine::State::observe_campaign(const Observation& sms, std::uint64_t fingerprint, const Settings& settings,
                                     FindingSet& out) {
    const auto& c = settings.sms_campaign;
    const std::optional<std::uint64_t> recipient =
        sms.callee.empty() ? std::nullopt : std::optional<std::uint64_t>(item_hash(sms.callee));
    const CampaignState state = campaigns.observe(fingerprint, item_hash(sms.caller), recipient, sms.at, c);
    if (sms.exempt || (c.min_senders == 0 && c.min_recipients == 0) || !state.recognised) return;
    std::string line = fmt::format("campaign {:016x}: {} distinct senders, {} distinct recipients in {} s, threshold ",
                                   state.fingerprint, whole(state.senders), whole(state.recipients),
                                   seconds_text(c.window));
    if (c.min_senders > 0) line += fmt::format("{} senders", c.min_senders);
    if (c.min_recipients > 0) line += fmt::format("{}{} recipients", c.min_senders > 0 ? " or " : "", c.min_recipients);
    if (!state.over_threshold) line += " (recognised earlier in the window)";
    out.add(Finding::sms_campaign, std::move(line));
}

void Engine::State::observe_domains(const Observation& sms, const Settings& settings, FindingSet& out) {
    const auto& u = settings.url_spray;
    const std::uint64_t sender = item_hash(sms.caller);
    for (const std::string_view domain : sms.domains) {
        if (domain.empty()) continue;
        const std::uint64_t key = key_hash(KeyKind::domain, domain);
        const auto peer = peer_view<DomainState>(key);
        const double senders = keys.update<DomainState>(key, sms.at, [&](DomainState& s) {
            s.senders.add(sms.at, u.window, sender);
            return read_merged(s, peer, settings,
                               [&](const DomainState& v) { return v.senders.estimate(sms.at, u.window); });
        });
        if (sms.exempt || u.min_senders == 0 || senders < u.min_senders) continue;
        out.add(Finding::url_spray, fmt::format("domain {}: {} distinct senders in {} s, threshold {}", domain,
                                                whole(senders), seconds_text(u.window), u.min_senders));
    }
}

}  // namespace scamgate::behaviour
