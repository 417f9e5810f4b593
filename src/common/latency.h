#pragma once
// Per-packet processing times of the inline loops, kept as a histogram so percentiles can be
// reported without storing every sample: 1 µs buckets up to 10 ms, then one bucket for the rest
// (its samples reported as the largest time seen).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace scamgate {

class LatencyHistogram {
public:
    static constexpr std::uint64_t kExactMicros = 10'000;

    void record_ns(std::uint64_t nanoseconds) {
        const std::uint64_t micros = nanoseconds / 1000;
        ++buckets_[static_cast<std::size_t>(std::min(micros, kExactMicros))];
        ++count_;
        max_micros_ = std::max(max_micros_, micros);
    }

    // The time from `start` to now on the steady clock.
    void record_since(std::chrono::steady_clock::time_point start) {
        const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
        record_ns(static_cast<std::uint64_t>(elapsed.count()));
    }

    std::uint64_t count() const { return count_; }
    std::uint64_t max_micros() const { return max_micros_; }

    // Adds another histogram's samples (the live workers' histograms, merged when read).
    void merge(const LatencyHistogram& other) {
        for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
        count_ += other.count_;
        max_micros_ = std::max(max_micros_, other.max_micros_);
    }

    // The smallest time (µs, bucket upper bound) at or below which `fraction` of the samples lie;
    // 0 without samples.
    std::uint64_t percentile_micros(double fraction) const {
        if (count_ == 0) return 0;
        const auto wanted = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(fraction * static_cast<double>(count_) + 0.5));
        std::uint64_t seen = 0;
        for (std::size_t us = 0; us < buckets_.size(); ++us) {
            seen += buckets_[us];
            if (seen >= wanted) return us == kExactMicros ? max_micros_ : us + 1;
        }
        return max_micros_;
    }

private:
    std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(kExactMicros + 1, 0);
    std::uint64_t count_ = 0;
    std::uint64_t max_micros_ = 0;
};

}  // namespace scamgate
