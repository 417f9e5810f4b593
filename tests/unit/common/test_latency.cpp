#include <doctest/doctest.h>

#include "common/latency.h"

using scamgate::LatencyHistogram;

TEST_CASE("latency percentiles from the histogram") {
    LatencyHistogram h;
    CHECK(h.percentile_micros(0.5) == 0);
    for (int i = 0; i < 98; ++i) h.record_ns(12'300);  // 12.3 µs -> the 12..13 µs bucket
    h.record_ns(250'000);                               // 250 µs
    h.record_ns(50'000'000);                            // 50 ms: past the exact range
    CHECK(h.count() == 100);
    CHECK(h.percentile_micros(0.5) == 13);
    CHECK(h.percentile_micros(0.98) == 13);
    CHECK(h.percentile_micros(0.99) == 251);
    CHECK(h.percentile_micros(1.0) == 50'000);
    CHECK(h.max_micros() == 50'000);
}
