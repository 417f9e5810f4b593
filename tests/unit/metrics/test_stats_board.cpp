// StatsBoard: a scrape sums the latest report of every slot; publishing and summing from other
// threads at once is safe (run under TSan too).
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "metrics/stats_board.h"

namespace scamgate::metrics {
namespace {

TEST_CASE("StatsBoard: the sum of each slot's latest report") {
    StatsBoard board(3);
    CHECK(board.sum().values().empty());
    StatsReport a;
    a.set("sip.messages", 5);
    board.publish(0, a);
    a.set("sip.messages", 8);  // a later report replaces the earlier one, it does not add to it
    board.publish(0, a);
    StatsReport b;
    b.set("sip.messages", 2);
    b.set("calls.active", 1);
    board.publish(2, b);
    const StatsReport sum = board.sum();
    CHECK(sum.at("sip.messages") == 10);
    CHECK(sum.at("calls.active") == 1);
    CHECK_THROWS_AS(board.publish(3, b), std::out_of_range);
}

TEST_CASE("StatsBoard: publishers and a scraper on other threads, sums only grow") {
    StatsBoard board(2);
    std::atomic<bool> done{false};
    const auto publisher = [&](std::size_t slot) {
        for (std::uint64_t i = 1; i <= 2000; ++i) {
            StatsReport r;
            r.set("packets", i);
            board.publish(slot, std::move(r));
        }
    };
    std::uint64_t last = 0;
    bool monotonic = true;
    std::thread scraper([&] {
        while (!done.load()) {
            const std::uint64_t now = board.sum().get("packets");
            monotonic = monotonic && now >= last;
            last = now;
        }
    });
    std::thread p0(publisher, 0), p1(publisher, 1);
    p0.join();
    p1.join();
    done = true;
    scraper.join();
    CHECK(monotonic);
    CHECK(board.sum().at("packets") == 4000);
}

TEST_CASE("PublishClock: due at once, then once per period") {
    using Clock = PublishClock::Clock;
    PublishClock clock(std::chrono::seconds(1));
    const Clock::time_point t0 = Clock::now();
    CHECK(clock.due(t0));
    CHECK_FALSE(clock.due(t0 + std::chrono::milliseconds(500)));
    CHECK(clock.due(t0 + std::chrono::milliseconds(1000)));
    CHECK_FALSE(clock.due(t0 + std::chrono::milliseconds(1999)));
    CHECK(clock.due(t0 + std::chrono::milliseconds(2000)));
}

}  // namespace
}  // namespace scamgate::metrics
