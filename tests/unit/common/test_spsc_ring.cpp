// SpscRing: every value arrives once and in order across two threads, through a ring small enough
// that both sides keep finding it full or empty and take the waiting paths (run under TSan too:
// docs/testing.md).
#include <doctest/doctest.h>

#include <cstdint>
#include <thread>

#include "common/spsc_ring.h"

namespace scamgate {
namespace {

TEST_CASE("SpscRing: capacity rounds up to a power of two, try_push fails when full and try_pop when empty") {
    SpscRing<int> ring(3);
    CHECK(ring.capacity() == 4);
    CHECK_FALSE(ring.try_pop().has_value());
    for (int i = 0; i < 4; ++i) CHECK(ring.try_push(i));
    CHECK_FALSE(ring.try_push(4));
    CHECK(ring.try_pop() == 0);
    CHECK(ring.try_push(4));
    for (int i = 1; i <= 4; ++i) CHECK(ring.pop() == i);
    CHECK_FALSE(ring.try_pop().has_value());
}

TEST_CASE("SpscRing: a producer and a consumer thread hand over every value once and in order") {
    constexpr std::uint64_t kValues = 200'000;
    SpscRing<std::uint64_t> ring(8);
    std::uint64_t received = 0;
    std::uint64_t out_of_order = 0;
    std::thread consumer([&] {
        for (std::uint64_t expected = 1; expected <= kValues; ++expected) {
            const std::uint64_t value = ring.pop();
            if (value != expected) ++out_of_order;
            ++received;
        }
    });
    for (std::uint64_t value = 1; value <= kValues; ++value) ring.push(value);
    consumer.join();
    CHECK(received == kValues);
    CHECK(out_of_order == 0);
    CHECK_FALSE(ring.try_pop().has_value());
}

}  // namespace
}  // namespace scamgate
