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
#include <utility>
#include <vector>

#include "common/stats.h"

namespace scamgate::metrics {

// `Snapshot` is what one worker publishes: a StatsReport, or a richer record (the daemon's adds
// its loop's latency histograms, which must be merged before percentiles are taken); it needs
// `void merge(const Snapshot&)`.
template <typename Snapshot>
class SnapshotBoard {
public:
    explicit SnapshotBoard(std::size_t slots) : slots_(slots) {}

    std::size_t slots() const { return slots_.size(); }
    // Replaces slot `slot`'s snapshot (one writer per slot: its worker's thread). Throws
    // std::out_of_range for a slot past the end.
    void publish(std::size_t slot, Snapshot snapshot) {
        auto fresh = std::make_shared<const Snapshot>(std::move(snapshot));  // built outside the lock
        Slot& s = slots_.at(slot);
        const std::lock_guard hold(s.lock);
        s.snapshot.swap(fresh);
        // the replaced snapshot is freed with `fresh`, after the lock is released
    }
    // The merge of every slot's latest snapshot (an empty slot adds nothing).
    Snapshot sum() const {
        Snapshot total{};
        for (const Slot& s : slots_) {
            std::shared_ptr<const Snapshot> snapshot;
            {
                const std::lock_guard hold(s.lock);
                snapshot = s.snapshot;
            }
            if (snapshot) total.merge(*snapshot);
        }
        return total;
    }

private:
    struct Slot {
        mutable std::mutex lock;
        std::shared_ptr<const Snapshot> snapshot;
    };
    std::vector<Slot> slots_;
};

using StatsBoard = SnapshotBoard<StatsReport>;

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
