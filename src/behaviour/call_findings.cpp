// Call findings: call_rate, callee_spray, wangiri, short_calls, sequential_callees,
// concurrent_calls, register_flood (behaviour.h; docs/behaviour.md).
#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "behaviour/engine_state.h"

namespace scamgate::behaviour {

namespace {

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
        const bool new_here = observe_caller(caller_key, call, settings, out);
        if (!call.exempt) {
            observe_wangiri(wangiri_key, KeyKind::wangiri_caller, call.caller, call, settings, new_here, out);
        }
        if (has_prefix) observe_wangiri(prefix_key, KeyKind::wangiri_prefix, prefix, call, settings, new_here, out);
    }
    if (account_key != 0) observe_call_account(account_key, call, settings, out);
    if (source_key != 0) observe_source(source_key, call, settings, out);
}

bool Engine::State::observe_caller(std::uint64_t key, const Observation& call, const Settings& settings,
                                   FindingSet& out) {
    const Timestamp at = call.at;
    const auto number = callee_number(call.callee);
    const auto peer = peer_view<CallerState>(key);
    bool new_here = false;
    const auto reading = keys.update<CallerState>(key, at, [&](CallerState& s) {
        s.attempts.add(at, settings.call_rate.window, 0);
        if (!call.callee.empty()) {
            s.callees.add(at, settings.callee_spray.window, item_hash(call.callee));
            advance_run(s, number, at, settings.sequential_callees);
        }
        s.concurrent = saturating_add(s.concurrent, 1);
        new_here = sharing && s.attempts.count(at, settings.call_rate.window) == 1;
        const Timestamp w = settings.short_calls.window;
        // The sequential-callee run is this instance's own (the peers' is not shared).
        return read_merged(s, peer, settings, [&](const CallerState& v) {
            return CallerReading{v.attempts.count(at, settings.call_rate.window),
                                 v.callees.estimate(at, settings.callee_spray.window),
                                 s.run_length,
                                 v.concurrent,
                                 v.outcomes.count(at, w, CallOutcome::ended),
                                 v.outcomes.count(at, w, CallOutcome::answered),
                                 v.outcomes.count(at, w, CallOutcome::short_answered)};
        });
    });
    if (call.exempt) return new_here;

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
    return new_here;
}

// Wangiri is judged at the call's decision from the short-ring calls already ended.
void Engine::State::observe_wangiri(std::uint64_t key, KeyKind kind, std::string_view name, const Observation& call,
                                    const Settings& settings, bool fetch_peers, FindingSet& out) {
    const auto& w = settings.wangiri;
    if (w.min_calls == 0) return;
    const auto read = [&](const WangiriState& s) {
        return WangiriReading{s.calls.count(call.at, w.window), s.callees.estimate(call.at, w.window)};
    };
    const auto peer = peer_view<WangiriState>(key);
    // Written only at call ends, read here: a caller new to this instance has its peers' Wangiri
    // state fetched for its next calls (after its first short ring here, the read-back of this
    // instance's own writes keeps it fresh).
    if (sharing && fetch_peers && !peer) sharing->want(key);
    WangiriReading reading;
    const bool local = keys.inspect<WangiriState>(key, [&](const WangiriState& s) {
        reading = read_merged(s, peer, settings, read);
    });
    if (!local && peer) reading = read(*peer);
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
    const auto peer = peer_view<AccountState>(key);
    const auto reading = keys.update<AccountState>(key, at, [&](AccountState& s) {
        s.contacts.add(at, settings.call_rate.window, 0);
        s.concurrent = saturating_add(s.concurrent, 1);
        return read_merged(s, peer, settings, [&](const AccountState& v) {
            return Reading{v.contacts.count(at, settings.call_rate.window), v.concurrent};
        });
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
    const auto peer = peer_view<SourceState>(key);
    const auto reading = keys.update<SourceState>(key, at, [&](SourceState& s) {
        s.attempts.add(at, settings.call_rate.window, 0);
        s.requests.add(at, settings.register_flood.window, 0);
        return read_merged(s, peer, settings, [&](const SourceState& v) {
            return Reading{v.attempts.count(at, settings.call_rate.window),
                           v.requests.count(at, settings.register_flood.window)};
        });
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
// ---- call outcomes ----

void Engine::State::count_wangiri(KeyKind kind, std::string_view key, const CallEnded& call,
                                  const Settings& settings) {
    const auto& w = settings.wangiri;
    keys.update<WangiriState>(key_hash(kind, key), call.end, [&](WangiriState& s) {
        s.calls.add(call.end, w.window, 0);
        if (!call.callee.empty()) s.callees.add(call.end, w.window, item_hash(call.callee));
    });
}

}  // namespace scamgate::behaviour
