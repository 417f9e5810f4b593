#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <optional>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/evidence.h"
#include "behaviour/fingerprint.h"
#include "behaviour/key_table.h"

namespace scamgate::behaviour {

std::string seconds_text(Timestamp duration) {
    return fmt::format("{}", static_cast<double>(duration) / static_cast<double>(kNanosPerSecond));
}

std::uint64_t whole(double estimate) { return estimate <= 0 ? 0 : static_cast<std::uint64_t>(std::floor(estimate)); }

namespace {

constexpr std::uint32_t saturating_decrement(std::uint32_t n) { return n == 0 ? 0 : n - 1; }

// A callee as a number for range scanning: its digits (a leading '+' skipped), at most 18 of them.
std::optional<std::uint64_t> callee_number(std::string_view callee) {
    if (callee.starts_with('+')) callee.remove_prefix(1);
    if (callee.empty() || callee.size() > 18) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : callee) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

// sequential_callees: extends the caller's run when this callee is a step of 1..max_step from the
// last one, in the run's direction, and the run started within the window; otherwise starts a new
// run (of 2 when only the direction or the window broke it: the last two callees are a pair).
void advance_run(CallerState& caller, std::optional<std::uint64_t> callee, Timestamp now,
                 const Settings::SequentialCallees& settings) {
    if (!callee) {
        caller.run_length = 0;  // not a number: no run through it
        caller.run_direction = 0;
        return;
    }
    const std::uint64_t last = caller.last_callee;
    caller.last_callee = *callee;
    if (caller.run_length > 0) {
        const std::uint64_t step = *callee > last ? *callee - last : last - *callee;
        const std::int8_t direction = *callee > last ? 1 : -1;
        if (step != 0 && step <= settings.max_step) {
            const bool same_direction = caller.run_direction == 0 || caller.run_direction == direction;
            if (same_direction && now - caller.run_start <= usable_window(settings.window)) {
                caller.run_length = saturating_add(caller.run_length, 1);
                caller.run_direction = direction;
                return;
            }
            caller.run_length = 2;
            caller.run_start = now;
            caller.run_direction = direction;
            return;
        }
    }
    caller.run_length = 1;
    caller.run_start = now;
    caller.run_direction = 0;
}

// What a call's observation reads from its caller's state (copied out of the shard lock, so the
// evidence is formatted without holding it).
struct CallerReading {
    std::uint32_t attempts = 0;
    double callees = 0;
    std::uint32_t run_length = 0;
    std::uint32_t concurrent = 0;
    std::uint32_t ended = 0;
    std::uint32_t answered = 0;
    std::uint32_t short_answered = 0;
};

struct WangiriReading {
    std::uint32_t calls = 0;
    double callees = 0;
};

}  // namespace

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

// ---- calls ----

// The keys of a call are hashed first and their slots prefetched, so the lookups that follow wait
// for memory together, not one after the other.
void Engine::State::observe_call(const Observation& call, const Settings& settings, FindingSet& out) {
    const unsigned digits = settings.wangiri.prefix_digits;
    const bool has_caller = !call.caller.empty();
    const bool has_prefix = has_caller && digits > 0 && call.caller.size() > digits && !call.exempt;
    const std::string_view prefix = has_prefix ? call.caller.substr(0, call.caller.size() - digits) : std::string_view{};
    const std::uint64_t caller_key = has_caller ? key_hash(KeyKind::caller, call.caller) : 0;
    const std::uint64_t wangiri_key = has_caller ? key_hash(KeyKind::wangiri_caller, call.caller) : 0;
    const std::uint64_t prefix_key = has_prefix ? key_hash(KeyKind::wangiri_prefix, prefix) : 0;
    const std::uint64_t account_key = call.account.empty() ? 0 : key_hash(KeyKind::call_account, call.account);
    const std::uint64_t source_key = call.has_source ? key_hash(KeyKind::source, call.source) : 0;
    for (const std::uint64_t key : {caller_key, wangiri_key, prefix_key, account_key, source_key}) {
        if (key != 0) keys.prefetch(key);
    }
    if (has_caller) {
        observe_caller(caller_key, call, settings, out);
        if (!call.exempt) observe_wangiri(wangiri_key, KeyKind::wangiri_caller, call.caller, call, settings, out);
        if (has_prefix) observe_wangiri(prefix_key, KeyKind::wangiri_prefix, prefix, call, settings, out);
    }
    if (account_key != 0) observe_call_account(account_key, call, settings, out);
    if (source_key != 0) observe_source(source_key, call, settings, out);
}

void Engine::State::observe_caller(std::uint64_t key, const Observation& call, const Settings& settings,
                                   FindingSet& out) {
    const Timestamp at = call.at;
    const auto number = callee_number(call.callee);
    const auto reading = keys.update<CallerState>(key, at, [&](CallerState& s) {
        s.attempts.add(at, settings.call_rate.window, 0);
        if (!call.callee.empty()) {
            s.callees.add(at, settings.callee_spray.window, item_hash(call.callee));
            advance_run(s, number, at, settings.sequential_callees);
        }
        s.concurrent = saturating_add(s.concurrent, 1);
        const Timestamp w = settings.short_calls.window;
        return CallerReading{s.attempts.count(at, settings.call_rate.window),
                             s.callees.estimate(at, settings.callee_spray.window),
                             s.run_length,
                             s.concurrent,
                             s.outcomes.count(at, w, CallOutcome::ended),
                             s.outcomes.count(at, w, CallOutcome::answered),
                             s.outcomes.count(at, w, CallOutcome::short_answered)};
    });
    if (call.exempt) return;

    const std::string_view caller = call.caller;
    const auto& rate = settings.call_rate;
    if (rate.per_caller > 0 && reading.attempts >= rate.per_caller) {
        out.add(Finding::call_rate, fmt::format("caller {}: {} call attempts in {} s, threshold {}", caller,
                                                reading.attempts, seconds_text(rate.window), rate.per_caller));
    }
    const auto& spray = settings.callee_spray;
    if (spray.distinct_callees > 0 && reading.callees >= spray.distinct_callees) {
        out.add(Finding::callee_spray, fmt::format("caller {}: {} distinct callees in {} s, threshold {}", caller,
                                                   whole(reading.callees), seconds_text(spray.window),
                                                   spray.distinct_callees));
    }
    const auto& sc = settings.short_calls;
    if (sc.min_attempts > 0 && reading.ended >= sc.min_attempts && reading.answered > 0) {
        const double answer_ratio = static_cast<double>(reading.answered) / reading.ended;
        const double short_share = static_cast<double>(reading.short_answered) / reading.answered;
        if (answer_ratio <= sc.max_answer_ratio && short_share >= sc.min_short_share) {
            out.add(Finding::short_calls,
                    fmt::format("caller {}: {} of {} ended calls answered (ratio {:.2f} <= {:.2f}), {} of those "
                                "within {} s of the answer (share {:.2f} >= {:.2f}) in {} s, threshold {} attempts",
                                caller, reading.answered, reading.ended, answer_ratio, sc.max_answer_ratio,
                                reading.short_answered, seconds_text(sc.max_duration), short_share,
                                sc.min_short_share, seconds_text(sc.window), sc.min_attempts));
        }
    }
    const auto& seq = settings.sequential_callees;
    if (seq.min_run > 0 && seq.max_step > 0 && reading.run_length >= seq.min_run) {
        out.add(Finding::sequential_callees,
                fmt::format("caller {}: {} callees in sequence (steps of 1 to {}) ending at {} within {} s, "
                            "threshold {}",
                            caller, reading.run_length, seq.max_step, call.callee, seconds_text(seq.window),
                            seq.min_run));
    }
    const auto& conc = settings.concurrent_calls;
    if (conc.per_caller > 0 && reading.concurrent >= conc.per_caller) {
        out.add(Finding::concurrent_calls, fmt::format("caller {}: {} concurrent calls, threshold {}", caller,
                                                       reading.concurrent, conc.per_caller));
    }
}

// Wangiri is judged at the call's decision from the short-ring calls already ended.
void Engine::State::observe_wangiri(std::uint64_t key, KeyKind kind, std::string_view name, const Observation& call,
                                    const Settings& settings, FindingSet& out) {
    const auto& w = settings.wangiri;
    if (w.min_calls == 0) return;
    WangiriReading reading;
    keys.inspect<WangiriState>(key, [&](const WangiriState& s) {
        reading = {s.calls.count(call.at, w.window), s.callees.estimate(call.at, w.window)};
    });
    if (reading.calls < w.min_calls || reading.callees < w.min_callees) return;
    out.add(Finding::wangiri,
            fmt::format("{} {}: {} short-ring calls (cancelled within {} s of the INVITE or ended within {} s of "
                        "the answer) to {} distinct callees in {} s, threshold {} calls to {} callees",
                        key_kind_name(kind), name, reading.calls, seconds_text(w.max_ring),
                        seconds_text(w.max_answered), whole(reading.callees), seconds_text(w.window), w.min_calls,
                        w.min_callees));
}

void Engine::State::observe_call_account(std::uint64_t key, const Observation& call, const Settings& settings,
                                         FindingSet& out) {
    struct Reading {
        std::uint32_t attempts, concurrent;
    };
    const Timestamp at = call.at;
    const auto reading = keys.update<AccountState>(key, at, [&](AccountState& s) {
            s.contacts.add(at, settings.call_rate.window, 0);
            s.concurrent = saturating_add(s.concurrent, 1);
            return Reading{s.contacts.count(at, settings.call_rate.window), s.concurrent};
        });
    if (call.exempt) return;
    const auto& rate = settings.call_rate;
    if (rate.per_account > 0 && reading.attempts >= rate.per_account) {
        out.add(Finding::call_rate, fmt::format("account {}: {} call attempts in {} s, threshold {}", call.account,
                                                reading.attempts, seconds_text(rate.window), rate.per_account));
    }
    const auto& conc = settings.concurrent_calls;
    if (conc.per_account > 0 && reading.concurrent >= conc.per_account) {
        out.add(Finding::concurrent_calls, fmt::format("account {}: {} concurrent calls, threshold {}",
                                                       call.account, reading.concurrent, conc.per_account));
    }
}

void Engine::State::observe_source(std::uint64_t key, const Observation& call, const Settings& settings,
                                   FindingSet& out) {
    struct Reading {
        std::uint32_t attempts, requests;
    };
    const Timestamp at = call.at;
    const auto reading = keys.update<SourceState>(key, at, [&](SourceState& s) {
        s.attempts.add(at, settings.call_rate.window, 0);
        s.requests.add(at, settings.register_flood.window, 0);
        return Reading{s.attempts.count(at, settings.call_rate.window),
                       s.requests.count(at, settings.register_flood.window)};
    });
    if (call.exempt) return;
    const auto& rate = settings.call_rate;
    if (rate.per_source > 0 && reading.attempts >= rate.per_source) {
        out.add(Finding::call_rate, fmt::format("source {}: {} call attempts in {} s, threshold {}",
                                                call.source.to_string(), reading.attempts, seconds_text(rate.window),
                                                rate.per_source));
    }
    const auto& flood = settings.register_flood;
    if (flood.per_source > 0 && reading.requests >= flood.per_source) {
        out.add(Finding::register_flood,
                fmt::format("source {}: {} REGISTER and INVITE requests in {} s, threshold {}",
                            call.source.to_string(), reading.requests, seconds_text(flood.window), flood.per_source));
    }
}

// ---- SMS ----

void Engine::State::observe_sender(const Observation& sms, const Settings& settings, FindingSet& out) {
    struct Reading {
        std::uint32_t messages;
        double recipients;
    };
    const Timestamp at = sms.at;
    const auto& rate = settings.sms_rate;
    const auto& spray = settings.sms_recipient_spray;
    const auto reading = keys.update<SenderState>(key_hash(KeyKind::sms_sender, sms.caller), at, [&](SenderState& s) {
        s.messages.add(at, rate.window, 0, std::max<std::uint32_t>(sms.recipients, 1));
        if (!sms.callee.empty()) s.recipients.add(at, spray.window, item_hash(sms.callee));
        return Reading{s.messages.count(at, rate.window), s.recipients.estimate(at, spray.window)};
    });
    if (sms.exempt) return;
    if (rate.per_sender > 0 && reading.messages >= rate.per_sender) {
        out.add(Finding::sms_rate, fmt::format("sender {}: {} messages in {} s, threshold {}", sms.caller,
                                               reading.messages, seconds_text(rate.window), rate.per_sender));
    }
    if (spray.per_sender > 0 && reading.recipients >= spray.per_sender) {
        out.add(Finding::sms_recipient_spray,
                fmt::format("sender {}: {} distinct recipients in {} s, threshold {}", sms.caller,
                            whole(reading.recipients), seconds_text(spray.window), spray.per_sender));
    }
}

void Engine::State::observe_sms_account(const Observation& sms, const Settings& settings, FindingSet& out) {
    struct Reading {
        std::uint32_t messages;
        double recipients;
    };
    const Timestamp at = sms.at;
    const auto& rate = settings.sms_rate;
    const auto& spray = settings.sms_recipient_spray;
    const auto reading =
        keys.update<AccountState>(key_hash(KeyKind::sms_account, sms.account), at, [&](AccountState& s) {
            s.contacts.add(at, rate.window, 0, std::max<std::uint32_t>(sms.recipients, 1));
            if (!sms.callee.empty()) s.recipients.add(at, spray.window, item_hash(sms.callee));
            return Reading{s.contacts.count(at, rate.window), s.recipients.estimate(at, spray.window)};
        });
    if (sms.exempt) return;
    if (rate.per_account > 0 && reading.messages >= rate.per_account) {
        out.add(Finding::sms_rate, fmt::format("account {}: {} messages in {} s, threshold {}", sms.account,
                                               reading.messages, seconds_text(rate.window), rate.per_account));
    }
    if (spray.per_account > 0 && reading.recipients >= spray.per_account) {
        out.add(Finding::sms_recipient_spray,
                fmt::format("account {}: {} distinct recipients in {} s, threshold {}", sms.account,
                            whole(reading.recipients), seconds_text(spray.window), spray.per_account));
    }
}

void Engine::State::observe_campaign(const Observation& sms, const Settings& settings, FindingSet& out) {
    const auto& c = settings.sms_campaign;
    const auto fingerprint = campaign_fingerprint(sms.text_folded, c.min_text_tokens);
    if (!fingerprint) return;
    const std::optional<std::uint64_t> recipient =
        sms.callee.empty() ? std::nullopt : std::optional<std::uint64_t>(item_hash(sms.callee));
    const CampaignState state = campaigns.observe(*fingerprint, item_hash(sms.caller), recipient, sms.at, c);
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
        const double senders = keys.update<DomainState>(key_hash(KeyKind::domain, domain), sms.at, [&](DomainState& s) {
            s.senders.add(sms.at, u.window, sender);
            return s.senders.estimate(sms.at, u.window);
        });
        if (sms.exempt || u.min_senders == 0 || senders < u.min_senders) continue;
        out.add(Finding::url_spray, fmt::format("domain {}: {} distinct senders in {} s, threshold {}", domain,
                                                whole(senders), seconds_text(u.window), u.min_senders));
    }
}

// ---- call outcomes ----

void Engine::State::count_wangiri(KeyKind kind, std::string_view key, const CallEnded& call,
                                  const Settings& settings) {
    const auto& w = settings.wangiri;
    keys.update<WangiriState>(key_hash(kind, key), call.end, [&](WangiriState& s) {
        s.calls.add(call.end, w.window, 0);
        if (!call.callee.empty()) s.callees.add(call.end, w.window, item_hash(call.callee));
    });
}

// ---- Engine ----

Engine::Engine(const Capacity& capacity) : state_(std::make_unique<State>(capacity)) {}
Engine::~Engine() = default;

std::size_t Engine::bytes_per_key() { return kBytesPerKey; }
std::size_t Engine::bytes_per_campaign() { return CampaignTable::bytes_per_campaign(); }

std::vector<record::CheckFinding> Engine::observe(const Observation& contact, const Settings& settings) {
    if (!settings.enabled) return {};
    FindingSet found;
    State& s = *state_;
    if (contact.medium == Medium::call) {
        s.observe_call(contact, settings, found);
    } else {
        // The key slots are prefetched before the campaign fingerprint is computed, so their loads
        // overlap with that work (findings are listed in their own order whatever the order here).
        s.keys.prefetch(key_hash(KeyKind::sms_sender, contact.caller));
        if (!contact.account.empty()) s.keys.prefetch(key_hash(KeyKind::sms_account, contact.account));
        for (const std::string_view domain : contact.domains) s.keys.prefetch(key_hash(KeyKind::domain, domain));
        if (!contact.text_folded.empty()) s.observe_campaign(contact, settings, found);
        s.observe_sender(contact, settings, found);
        if (!contact.account.empty()) s.observe_sms_account(contact, settings, found);
        s.observe_domains(contact, settings, found);
    }
    return found.take(s.fired);
}

void Engine::call_ended(const CallEnded& call, const Settings& settings) {
    if (!settings.enabled) return;
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
    for (std::size_t i = 0; i < kFindingCount; ++i) {
        const std::string_view name = finding_name(static_cast<Finding>(i));
        report.add(fmt::format("behaviour.findings.{}", name.substr(std::string_view("behaviour.").size())),
                   s.fired[i].load(std::memory_order_relaxed));
    }
    report.add("behaviour.bytes", s.keys.bytes() + s.campaigns.bytes());
}

}  // namespace scamgate::behaviour
