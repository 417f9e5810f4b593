#pragma once
// Sliding-window counters on packet time: two buckets the length of the window (the current one
// and the one before). The count over the last window is estimated as
//   previous * (1 - elapsed fraction of the current bucket) + current
// (the classic sliding-window approximation: exact when the previous bucket's events were spread
// evenly, never off by more than the previous bucket's count). A bucket two windows old or more
// reads as zero. Counts saturate at UINT32_MAX: they never wrap and never underflow.
//
// Each counter keeps its own bucket start, so counters of different windows share one key. Bucket
// starts are aligned to multiples of the window on the packet clock, so every key rolls at the
// same instants. Out-of-order packet times (several workers feed one engine) count into the
// current bucket: a counter never rolls back.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "common/time.h"

namespace scamgate::behaviour {

// A window of zero or less (a configuration mistake the config validation should refuse) is read
// as 1 ns rather than dividing by zero; one longer than 2^55 ns (about 417 days) as 2^55 ns, so
// bucket arithmetic cannot overflow.
inline constexpr Timestamp kLongestWindow = Timestamp{1} << 55;
constexpr Timestamp usable_window(Timestamp window) { return std::clamp<Timestamp>(window, 1, kLongestWindow); }

// The start of the window-aligned bucket holding `now` (floor division, correct for negatives).
constexpr Timestamp bucket_start_of(Timestamp now, Timestamp window) {
    const Timestamp q = now / window;
    return (now % window < 0 ? q - 1 : q) * window;
}

constexpr std::uint32_t saturating_add(std::uint32_t a, std::uint64_t b) {
    const std::uint64_t sum = a + b;
    return sum > std::numeric_limits<std::uint32_t>::max() ? std::numeric_limits<std::uint32_t>::max()
                                                           : static_cast<std::uint32_t>(sum);
}

constexpr std::uint32_t saturating_decrement(std::uint32_t n) { return n == 0 ? 0 : n - 1; }

// The weight the previous bucket still has at `now`, given the current bucket's start: 1 at the
// start of the current bucket, 0 at its end.
inline double previous_weight(Timestamp now, Timestamp current_start, Timestamp window) {
    const Timestamp elapsed = std::clamp<Timestamp>(now - current_start, 0, window);
    return static_cast<double>(window - elapsed) / static_cast<double>(window);
}

// How two buckets look from `now`: which of the stored buckets is the current one.
enum class BucketAge : std::uint8_t { current, one_behind, expired };

inline BucketAge bucket_age(Timestamp start, Timestamp now, Timestamp window) {
    if (now < start + window) return BucketAge::current;  // also: time ran backwards
    if (now < start + 2 * window) return BucketAge::one_behind;
    return BucketAge::expired;
}

// N counters sharing one window (e.g. ended, answered and short calls of one caller).
// 8 + 8 * N bytes.
template <std::size_t N>
struct SlidingCounters {
    Timestamp start = std::numeric_limits<Timestamp>::min() / 2;  // far past: reads as zero
    std::array<std::uint32_t, N> previous{};
    std::array<std::uint32_t, N> current{};

    void add(Timestamp now, Timestamp window, std::size_t which, std::uint64_t n = 1) {
        roll(now, usable_window(window));
        current[which] = saturating_add(current[which], n);
    }

    // The estimated count over the last window ending at `now`, unrounded.
    double estimate(Timestamp now, Timestamp window, std::size_t which = 0) const {
        window = usable_window(window);
        switch (bucket_age(start, now, window)) {
            case BucketAge::current:
                return previous[which] * previous_weight(now, start, window) + current[which];
            case BucketAge::one_behind:
                return current[which] * previous_weight(now, start + window, window);
            case BucketAge::expired:
                break;
        }
        return 0.0;
    }

    // The estimate rounded to the nearest integer (exact when every event is in the current bucket).
    std::uint32_t count(Timestamp now, Timestamp window, std::size_t which = 0) const {
        const double e = estimate(now, window, which) + 0.5;
        return e >= static_cast<double>(std::numeric_limits<std::uint32_t>::max())
                   ? std::numeric_limits<std::uint32_t>::max()
                   : static_cast<std::uint32_t>(e);
    }

private:
    void roll(Timestamp now, Timestamp window) {
        switch (bucket_age(start, now, window)) {
            case BucketAge::current:
                return;
            case BucketAge::one_behind:
                previous = current;
                current = {};
                start += window;
                return;
            case BucketAge::expired:
                previous = {};
                current = {};
                start = bucket_start_of(now, window);
                return;
        }
    }
};

using WindowCounter = SlidingCounters<1>;
static_assert(sizeof(WindowCounter) == 16);

}  // namespace scamgate::behaviour
