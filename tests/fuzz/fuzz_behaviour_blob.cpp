// behaviour.redis blobs (src/behaviour/shared_blob.h) on any bytes, as another instance's field
// read from Redis: the decoder must refuse or accept without reading out of bounds; an accepted
// blob must encode back to the same bytes (the layout is fixed, so nothing is lost or invented),
// and must merge with itself and with a local state, and be estimated, without trapping.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <variant>

#include "behaviour/behaviour.h"
#include "behaviour/shared_blob.h"

namespace {

using namespace scamgate;
using namespace scamgate::behaviour;

// Settings whose windows are the blob's own, so that encoding gives back the same windows.
Settings settings_for(const SharedState& shared) {
    Settings s;
    const auto& w = shared.windows;
    std::visit(
        [&](const auto& state) {
            using State = std::decay_t<decltype(state)>;
            if constexpr (std::is_same_v<State, CallerState>) {
                s.call_rate.window = w[0], s.callee_spray.window = w[1], s.short_calls.window = w[2];
            } else if constexpr (std::is_same_v<State, WangiriState>) {
                s.wangiri.window = w[0];
            } else if constexpr (std::is_same_v<State, AccountState>) {
                s.call_rate.window = w[0], s.sms_rate.window = w[0], s.sms_recipient_spray.window = w[1];
            } else if constexpr (std::is_same_v<State, SourceState>) {
                s.call_rate.window = w[0], s.register_flood.window = w[1];
            } else if constexpr (std::is_same_v<State, SenderState>) {
                s.sms_rate.window = w[0], s.sms_recipient_spray.window = w[1];
            } else if constexpr (std::is_same_v<State, DomainState>) {
                s.url_spray.window = w[0];
            }
        },
        shared.state);
    return s;
}

// Reads every estimate of a state at a time within its buckets and far after them.
void estimate_all(const KeyState& state, const Settings& s) {
    std::visit(
        [&](const auto& st) {
            using State = std::decay_t<decltype(st)>;
            if constexpr (std::is_same_v<State, WangiriState>) {
                for (const Timestamp now : {st.calls.start, st.calls.start + s.wangiri.window, Timestamp{0}}) {
                    (void)st.calls.count(now, s.wangiri.window);
                    (void)st.callees.estimate(now, s.wangiri.window);
                }
            } else if constexpr (std::is_same_v<State, CallerState>) {
                (void)st.attempts.count(st.attempts.start, s.call_rate.window);
                (void)st.callees.estimate(st.callees.start, s.callee_spray.window);
                (void)st.outcomes.count(st.outcomes.start, s.short_calls.window, 2);
            }
        },
        state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const auto shared = decode_blob(input);
    if (!shared) return 0;
    const Settings s = settings_for(*shared);
    std::string again;
    if (!encode_blob(shared->state, s, again)) __builtin_trap();  // accepted: never empty
    // A Wangiri state's two components share one setting: when a blob gives them different
    // windows, only the length must match.
    const bool one_window = !std::holds_alternative<WangiriState>(shared->state) || shared->windows[0] == shared->windows[1];
    if (again.size() != size || (one_window && std::memcmp(again.data(), data, size) != 0)) __builtin_trap();
    SharedState merged = *shared;
    if (!merge_shared(merged, *shared)) __builtin_trap();
    estimate_all(merged.state, s);
    std::visit(
        [&](auto& st) {
            using State = std::decay_t<decltype(st)>;
            if constexpr (!std::is_same_v<State, std::monostate>) {
                State local{};
                merge_state(local, st, s);
                merge_state(st, local, s);
            }
        },
        merged.state);
    estimate_all(merged.state, s);
    return 0;
}
