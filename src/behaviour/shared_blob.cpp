// Blobs of shared key state and their merge (shared_blob.h).
#include "behaviour/shared_blob.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

namespace scamgate::behaviour {

namespace {

// ---- the shareable components of each state, and their windows ----
// The sequential-callee run (run_start, last_callee, run_length, run_direction) is not shared:
// it is an order of callees, which two gateways cannot interleave.

auto fields(CallerState& s) { return std::tie(s.attempts, s.callees, s.outcomes, s.concurrent); }
auto fields(const CallerState& s) { return std::tie(s.attempts, s.callees, s.outcomes, s.concurrent); }
auto fields(WangiriState& s) { return std::tie(s.calls, s.callees); }
auto fields(const WangiriState& s) { return std::tie(s.calls, s.callees); }
auto fields(AccountState& s) { return std::tie(s.contacts, s.recipients, s.concurrent); }
auto fields(const AccountState& s) { return std::tie(s.contacts, s.recipients, s.concurrent); }
auto fields(SourceState& s) { return std::tie(s.attempts, s.requests); }
auto fields(const SourceState& s) { return std::tie(s.attempts, s.requests); }
auto fields(SenderState& s) { return std::tie(s.messages, s.recipients); }
auto fields(const SenderState& s) { return std::tie(s.messages, s.recipients); }
auto fields(DomainState& s) { return std::tie(s.senders); }
auto fields(const DomainState& s) { return std::tie(s.senders); }

using Windows = std::array<Timestamp, kMaxComponents>;

Windows windows_of(const CallerState&, const Settings& s) {
    return {s.call_rate.window, s.callee_spray.window, s.short_calls.window, 0};
}
Windows windows_of(const WangiriState&, const Settings& s) { return {s.wangiri.window, s.wangiri.window, 0, 0}; }
Windows windows_of(const AccountState& a, const Settings& s) {
    const bool sms = a.recipients.start != kNeverStart;
    return {sms ? s.sms_rate.window : s.call_rate.window, s.sms_recipient_spray.window, 0, 0};
}
Windows windows_of(const SourceState&, const Settings& s) {
    return {s.call_rate.window, s.register_flood.window, 0, 0};
}
Windows windows_of(const SenderState&, const Settings& s) {
    return {s.sms_rate.window, s.sms_recipient_spray.window, 0, 0};
}
Windows windows_of(const DomainState&, const Settings& s) { return {s.url_spray.window, 0, 0, 0}; }

// ---- little-endian writing and bounds-checked reading ----

template <typename T>
void put(std::string& out, T value) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    auto u = static_cast<U>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        out.push_back(static_cast<char>(u & 0xffu));
        if constexpr (sizeof(T) > 1) u = static_cast<U>(u >> 8);
    }
}

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

    template <typename T>
    bool get(T& value) {
        static_assert(std::is_integral_v<T>);
        if (data_.size() - at_ < sizeof(T)) return false;
        std::make_unsigned_t<T> u = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            u = static_cast<decltype(u)>(u | (static_cast<decltype(u)>(data_[at_ + i]) << (8 * i)));
        }
        at_ += sizeof(T);
        value = static_cast<T>(u);
        return true;
    }
    bool at_end() const { return at_ == data_.size(); }

private:
    std::span<const std::uint8_t> data_;
    std::size_t at_ = 0;
};

// ---- one component ----

template <std::size_t N>
void put_component(std::string& out, const SlidingCounters<N>& c, Timestamp window) {
    put(out, window);
    put(out, c.start);
    for (const auto v : c.previous) put(out, v);
    for (const auto v : c.current) put(out, v);
}
void put_component(std::string& out, const DistinctWindow& d, Timestamp window) {
    put(out, window);
    put(out, d.start);
    for (const auto w : d.previous.words) put(out, w);
    for (const auto w : d.current.words) put(out, w);
}
void put_component(std::string& out, std::uint32_t count, Timestamp) { put(out, count); }

// A start beyond +-2^62 ns (year 2116) is refused, so bucket arithmetic (start + 2 windows, start -
// a window) cannot overflow whatever a blob holds.
inline constexpr Timestamp kLatestStart = Timestamp{1} << 62;

bool valid_bucket(Timestamp window, Timestamp start) {
    if (window < 1 || window > kLongestWindow) return false;
    if (start == kNeverStart) return true;
    return start > kNeverStart && start <= kLatestStart && start % window == 0;
}

template <std::size_t N>
bool get_component(Reader& in, SlidingCounters<N>& c, Timestamp& window) {
    if (!in.get(window) || !in.get(c.start) || !valid_bucket(window, c.start)) return false;
    for (auto& v : c.previous) if (!in.get(v)) return false;
    for (auto& v : c.current) if (!in.get(v)) return false;
    return true;
}
bool get_component(Reader& in, DistinctWindow& d, Timestamp& window) {
    if (!in.get(window) || !in.get(d.start) || !valid_bucket(window, d.start)) return false;
    for (auto& w : d.previous.words) if (!in.get(w)) return false;
    for (auto& w : d.current.words) if (!in.get(w)) return false;
    return true;
}
bool get_component(Reader& in, std::uint32_t& count, Timestamp& window) {
    window = 0;
    return in.get(count);
}

// ---- merging buckets ----

template <std::size_t N>
void add_bucket(std::array<std::uint32_t, N>& into, const std::array<std::uint32_t, N>& from) {
    for (std::size_t i = 0; i < N; ++i) into[i] = saturating_add(into[i], from[i]);
}
void add_bucket(DistinctBitmap& into, const DistinctBitmap& from) { into = into.united_with(from); }

template <typename Window>
void merge_buckets(Window& into, const Window& from, Timestamp window) {
    window = usable_window(window);
    if (from.start == into.start) {
        add_bucket(into.previous, from.previous);
        add_bucket(into.current, from.current);
        return;
    }
    const bool from_newer = from.start > into.start;
    const Window& newer = from_newer ? from : into;
    const Window& older = from_newer ? into : from;
    Window merged = newer;
    // newer.start - window, not newer.start - older.start: starts from a blob may be 2^63 apart.
    if (older.start != kNeverStart && older.start == newer.start - window) add_bucket(merged.previous, older.current);
    into = merged;
}

void merge_component(std::uint32_t& into, const std::uint32_t& from, Timestamp) { into = saturating_add(into, from); }
template <typename Window>
void merge_component(Window& into, const Window& from, Timestamp window) {
    merge_buckets(into, from, window);
}

template <typename State>
void merge_fields(State& into, const State& from, const Windows& windows) {
    auto a = fields(into);
    auto b = fields(from);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (merge_component(std::get<I>(a), std::get<I>(b), windows[I]), ...);
    }(std::make_index_sequence<std::tuple_size_v<decltype(a)>>{});
}

// ---- one state ----

template <typename State>
void put_state(std::string& out, const State& state, const Windows& windows) {
    auto f = fields(state);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (put_component(out, std::get<I>(f), windows[I]), ...);
    }(std::make_index_sequence<std::tuple_size_v<decltype(f)>>{});
}

template <typename State>
std::optional<SharedState> get_state(Reader& in) {
    SharedState shared;
    State& state = shared.state.emplace<State>();
    auto f = fields(state);
    const bool complete = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return (get_component(in, std::get<I>(f), shared.windows[I]) && ...);
    }(std::make_index_sequence<std::tuple_size_v<decltype(f)>>{});
    if (!complete || !in.at_end()) return std::nullopt;
    return shared;
}

template <typename State>
constexpr std::size_t kIndex = [] {
    constexpr std::size_t n = std::variant_size_v<KeyState>;
    std::size_t found = n;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((std::is_same_v<std::variant_alternative_t<I, KeyState>, State> ? (found = I, 0) : 0), ...);
    }(std::make_index_sequence<n>{});
    return found;
}();

}  // namespace

bool encode_blob(const KeyState& state, const Settings& settings, std::string& out) {
    if (std::holds_alternative<std::monostate>(state)) return false;
    put(out, kBlobVersion);
    put(out, static_cast<std::uint8_t>(state.index()));
    put(out, std::uint16_t{0});
    std::visit(
        [&](const auto& s) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
                put_state(out, s, windows_of(s, settings));
            }
        },
        state);
    return true;
}

Timestamp longest_window(const KeyState& state, const Settings& settings) {
    return std::visit(
        [&](const auto& s) -> Timestamp {
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
                return 0;
            } else {
                const Windows w = windows_of(s, settings);
                return *std::max_element(w.begin(), w.end());
            }
        },
        state);
}

std::optional<SharedState> decode_blob(std::span<const std::uint8_t> blob) {
    Reader in(blob);
    std::uint8_t version = 0;
    std::uint8_t kind = 0;
    std::uint16_t reserved = 0;
    if (!in.get(version) || !in.get(kind) || !in.get(reserved) || version != kBlobVersion || reserved != 0) {
        return std::nullopt;
    }
    switch (kind) {
        case kIndex<CallerState>: return get_state<CallerState>(in);
        case kIndex<WangiriState>: return get_state<WangiriState>(in);
        case kIndex<AccountState>: return get_state<AccountState>(in);
        case kIndex<SourceState>: return get_state<SourceState>(in);
        case kIndex<SenderState>: return get_state<SenderState>(in);
        case kIndex<DomainState>: return get_state<DomainState>(in);
        default: return std::nullopt;
    }
}

bool merge_shared(SharedState& into, const SharedState& from) {
    if (into.state.index() != from.state.index()) return false;
    std::visit(
        [&](auto& a) {
            using State = std::decay_t<decltype(a)>;
            if constexpr (!std::is_same_v<State, std::monostate>) {
                const State& b = std::get<State>(from.state);
                // A component whose window differs is merged as "not aligned": the newer wins.
                Windows windows = into.windows;
                for (std::size_t i = 0; i < kMaxComponents; ++i) {
                    if (from.windows[i] != into.windows[i]) windows[i] = kLongestWindow;
                }
                merge_fields(a, b, windows);
            }
        },
        into.state);
    return true;
}

void encode_campaign_blob(const CampaignShare& share, std::string& out) {
    put(out, kBlobVersion);
    put(out, kCampaignBlobKind);
    put(out, std::uint16_t{0});
    put(out, share.fingerprint);
    put(out, share.window);
    put(out, share.over_threshold_at);
    // The window is the blob's one: put_component writes it per component, so the starts go alone.
    for (const DistinctWindow* d : {&share.senders, &share.recipients}) {
        put(out, d->start);
        for (const auto w : d->previous.words) put(out, w);
        for (const auto w : d->current.words) put(out, w);
    }
}

std::optional<CampaignShare> decode_campaign_blob(std::span<const std::uint8_t> blob) {
    Reader in(blob);
    std::uint8_t version = 0;
    std::uint8_t kind = 0;
    std::uint16_t reserved = 0;
    CampaignShare share;
    if (!in.get(version) || !in.get(kind) || !in.get(reserved) || version != kBlobVersion ||
        kind != kCampaignBlobKind || reserved != 0) {
        return std::nullopt;
    }
    if (!in.get(share.fingerprint) || !in.get(share.window) || !in.get(share.over_threshold_at)) return std::nullopt;
    if (share.over_threshold_at != CampaignShare::kNever &&
        (share.over_threshold_at < -kLatestStart || share.over_threshold_at > kLatestStart)) {
        return std::nullopt;
    }
    for (DistinctWindow* d : {&share.senders, &share.recipients}) {
        if (!in.get(d->start) || !valid_bucket(share.window, d->start)) return std::nullopt;
        for (auto& w : d->previous.words) if (!in.get(w)) return std::nullopt;
        for (auto& w : d->current.words) if (!in.get(w)) return std::nullopt;
    }
    if (!in.at_end()) return std::nullopt;
    return share;
}

void merge_window(WindowCounter& into, const WindowCounter& from, Timestamp window) { merge_buckets(into, from, window); }
void merge_window(SlidingCounters<3>& into, const SlidingCounters<3>& from, Timestamp window) {
    merge_buckets(into, from, window);
}
void merge_window(DistinctWindow& into, const DistinctWindow& from, Timestamp window) {
    merge_buckets(into, from, window);
}

void merge_state(CallerState& into, const CallerState& from, const Settings& settings) {
    merge_fields(into, from, windows_of(into, settings));
}
void merge_state(WangiriState& into, const WangiriState& from, const Settings& settings) {
    merge_fields(into, from, windows_of(into, settings));
}
void merge_state(AccountState& into, const AccountState& from, const Settings& settings) {
    merge_fields(into, from, windows_of(into, settings));
}
void merge_state(SourceState& into, const SourceState& from, const Settings& settings) {
    merge_fields(into, from, windows_of(into, settings));
}
void merge_state(SenderState& into, const SenderState& from, const Settings& settings) {
    merge_fields(into, from, windows_of(into, settings));
}
void merge_state(DomainState& into, const DomainState& from, const Settings& settings) {
    merge_fields(into, from, windows_of(into, settings));
}

}  // namespace scamgate::behaviour
