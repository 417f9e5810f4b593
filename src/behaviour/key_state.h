#pragma once
// What behaviour remembers per tracked key. Every key kind has its own state; all share one
// fixed-size slot in the key table (key_table.h), so the memory per key is one slot whatever its
// kind: kBytesPerKey bytes (176 on x86-64: 8 key, 8 last activity, 160 the largest state,
// CallerState, and the variant's tag; asserted <= 200 there).
#include <cstdint>
#include <string_view>
#include <variant>

#include "behaviour/distinct.h"
#include "behaviour/window.h"

namespace scamgate::behaviour {

// The kinds of key. The kind is hashed into the key, so a caller number and the same digits as
// an SMS sender are different keys (call and SMS senders stay apart).
enum class KeyKind : std::uint8_t {
    caller,          // calls: E.164 digits (or the presented user)
    wangiri_caller,  // calls: the caller's short-ring calls (kept apart: most callers have none)
    wangiri_prefix,  // calls: the caller minus Wangiri::prefix_digits last digits
    call_account,    // calls: SIP account
    source,          // calls and REGISTERs: source address
    sms_sender,      // SMS: sender (number or alphanumeric)
    sms_account,     // SMS: SMPP system_id
    domain,          // SMS: registrable domain of a URL
};

std::string_view key_kind_name(KeyKind kind);

// short_calls' three counters share one window.
enum CallOutcome : std::size_t { ended = 0, answered = 1, short_answered = 2 };

struct CallerState {                // 152 bytes
    WindowCounter attempts;         // call_rate
    DistinctWindow callees;         // callee_spray
    SlidingCounters<3> outcomes;    // short_calls: ended, answered, short answered (CallOutcome)
    Timestamp run_start = 0;        // sequential_callees: when the current run began
    std::uint64_t last_callee = 0;  // the last callee as a number (0: none or not numeric)
    std::uint32_t run_length = 0;   // callees in the run, the first included
    std::uint32_t concurrent = 0;   // concurrent_calls: observed, not yet ended
    std::int8_t run_direction = 0;  // +1 ascending, -1 descending, 0 not yet known
};

struct WangiriState {      // 88 bytes, caller or prefix
    WindowCounter calls;   // short-ring calls
    DistinctWindow callees;
};

struct AccountState {  // 96 bytes, calls or SMS
    WindowCounter contacts;     // call attempts / messages
    DistinctWindow recipients;  // SMS: first recipients
    std::uint32_t concurrent = 0;
};

struct SourceState {        // 32 bytes
    WindowCounter attempts;  // call_rate per source (INVITEs)
    WindowCounter requests;  // register_flood: REGISTERs + INVITEs
};

struct SenderState {  // 88 bytes
    WindowCounter messages;
    DistinctWindow recipients;
};

struct DomainState {  // 72 bytes
    DistinctWindow senders;
};

using KeyState = std::variant<std::monostate, CallerState, WangiriState, AccountState, SourceState, SenderState,
                              DomainState>;

// One slot of the key table is its key hash (8 bytes), its last activity (8) and its state. The
// table keeps the three in parallel arrays (key_table.h), so a probe reads the keys of 8 slots
// from one or two cache lines and touches only the state it finds.
inline constexpr std::size_t kBytesPerKey = sizeof(std::uint64_t) + sizeof(Timestamp) + sizeof(KeyState);
#if defined(__x86_64__) || defined(__aarch64__)
static_assert(kBytesPerKey <= 200, "docs promise <= 200 bytes per tracked key");
#endif

}  // namespace scamgate::behaviour
