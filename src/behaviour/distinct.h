#pragma once
// Distinct counts in a sliding window (callees per caller, recipients per sender, senders per
// domain and per campaign): per bucket a 256-bit linear-counting bitmap. An item sets the bit its
// 64-bit hash selects; the estimate from a bitmap with z zero bits out of m = 256 is
//   n = -m ln(z / m)
// (Whang, Vander-Zanden, Taylor 1990). Standard error sqrt(m (e^t - t - 1)) / n with t = n / m:
// about 4.5 % at 10 and at 100 distinct, 6.5 % at 500, 10 % at 800. Below about 20 distinct
// items the estimate is exact unless two items share a bit (probability about n^2 / 512). A full
// bitmap saturates at m ln m = 1419.6: thresholds should stay below about 500.
//
// Buckets combine like the counters (window.h), except that an item seen in both buckets counts
// once: estimate = n(current) + w * (n(previous | current) - n(current)), w the previous bucket's
// remaining weight. A caller ringing the same five numbers every hour has five callees, not ten.
// 8 + 2 * 32 = 72 bytes.
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "behaviour/window.h"

namespace scamgate::behaviour {

struct DistinctBitmap {
    static constexpr std::size_t kBits = 256;
    std::array<std::uint64_t, kBits / 64> words{};

    void insert(std::uint64_t hash) {
        const auto bit = static_cast<std::size_t>(hash % kBits);
        words[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
    std::size_t zeros() const { return kBits - ones_in(words); }
    // Set bits of four words. Without the POPCNT instruction (the x86-64 baseline this builds for)
    // std::popcount is a call into libgcc per word: 3% of an SMS decision, which estimates four
    // bitmaps. Here the four words are counted bit-sliced (SWAR) and summed per byte before one
    // multiplication adds the sums up.
    static_assert(kBits == 256, "ones_in() counts four words");
    static std::size_t ones_in(const std::array<std::uint64_t, kBits / 64>& w) {
#if defined(__POPCNT__)
        return static_cast<std::size_t>(std::popcount(w[0]) + std::popcount(w[1]) + std::popcount(w[2]) +
                                        std::popcount(w[3]));
#else
        constexpr std::uint64_t k1 = 0x5555555555555555ULL, k2 = 0x3333333333333333ULL;
        constexpr std::uint64_t k4 = 0x0f0f0f0f0f0f0f0fULL;
        std::uint64_t per_byte = 0;  // each byte: the set bits of that byte in all four words (<= 32)
        for (std::uint64_t x : w) {
            x -= (x >> 1) & k1;
            x = (x & k2) + ((x >> 2) & k2);
            per_byte += (x + (x >> 4)) & k4;
        }
        // The byte sums reach 256 (four full words): add them in 16-bit lanes, not in one byte.
        const std::uint64_t per_half = (per_byte & 0x00ff00ff00ff00ffULL) + ((per_byte >> 8) & 0x00ff00ff00ff00ffULL);
        return static_cast<std::size_t>((per_half * 0x0001000100010001ULL) >> 48);
#endif
    }
    DistinctBitmap united_with(const DistinctBitmap& other) const {
        DistinctBitmap u;
        for (std::size_t i = 0; i < words.size(); ++i) u.words[i] = words[i] | other.words[i];
        return u;
    }
    // The linear-counting estimate; a full bitmap reads as its saturation point, m ln m.
    double estimate() const;
};

// The estimate for each number of zero bits, computed once (a table lookup instead of a log).
inline const std::array<double, DistinctBitmap::kBits + 1>& linear_counting_table() {
    static const auto table = [] {
        std::array<double, DistinctBitmap::kBits + 1> t{};
        constexpr double m = DistinctBitmap::kBits;
        t[0] = m * std::log(m);
        for (std::size_t z = 1; z <= DistinctBitmap::kBits; ++z) t[z] = -m * std::log(static_cast<double>(z) / m);
        return t;
    }();
    return table;
}

inline double DistinctBitmap::estimate() const { return linear_counting_table()[zeros()]; }

struct DistinctWindow {
    Timestamp start = std::numeric_limits<Timestamp>::min() / 2;
    DistinctBitmap previous;
    DistinctBitmap current;

    void add(Timestamp now, Timestamp window, std::uint64_t item_hash) {
        window = usable_window(window);
        switch (bucket_age(start, now, window)) {
            case BucketAge::current:
                break;
            case BucketAge::one_behind:
                previous = current;
                current = {};
                start += window;
                break;
            case BucketAge::expired:
                previous = {};
                current = {};
                start = bucket_start_of(now, window);
                break;
        }
        current.insert(item_hash);
    }

    // Distinct items over the last window ending at `now`, unrounded. A threshold is compared
    // with this value (count >= threshold); evidence shows it rounded down.
    double estimate(Timestamp now, Timestamp window) const {
        window = usable_window(window);
        switch (bucket_age(start, now, window)) {
            case BucketAge::current: {
                const double in_current = current.estimate();
                const double in_either = previous.united_with(current).estimate();
                return in_current + previous_weight(now, start, window) * (in_either - in_current);
            }
            case BucketAge::one_behind:
                return current.estimate() * previous_weight(now, start + window, window);
            case BucketAge::expired:
                break;
        }
        return 0.0;
    }
};
static_assert(sizeof(DistinctWindow) == 72);

}  // namespace scamgate::behaviour
