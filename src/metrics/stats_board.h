#pragma once
// Where the packet threads leave their counters for a scrape. A worker's counters are plain
// integers only its own thread touches (StatsReport is built from them on demand), so a scrape
// never reads them: each worker publishes a copy of its report now and then (StatsBoard::publish,
// on its own thread, about once a second), and a scrape sums the latest copies. The lock of a slot
// is held for a shared_ptr copy or swap only, never while a report is built or merged, so a
// scrape never holds a worker back for longer than that.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/stats.h"

namespace scamgate::metrics {

class StatsBoard {
public:
    explicit StatsBoard(std::size_t slots);

    std::size_t slots() const { return slots_.size(); }
    // Replaces slot `slot`'s report (one writer per slot: its worker's thread).
    void publish(std::size_t slot, StatsReport report);
    // The sum of every slot's latest report (an empty slot adds nothing).
    StatsReport sum() const;

private:
    struct Slot {
        mutable std::mutex lock;
        std::shared_ptr<const StatsReport> report;
    };
    std::vector<Slot> slots_;
};

// A worker's pacing of its publications: due() is true at the first call and then once per
// `every` (steady clock); cheap enough to ask on every round of a packet loop.
class PublishClock {
public:
    using Clock = std::chrono::steady_clock;
    explicit PublishClock(Clock::duration every = std::chrono::seconds(1)) : every_(every) {}

    bool due(Clock::time_point now = Clock::now()) {
        if (now < next_) return false;
        next_ = now + every_;
        return true;
    }

private:
    Clock::duration every_;
    Clock::time_point next_{};
};

}  // namespace scamgate::metrics
