#include "metrics/stats_board.h"

#include <utility>

namespace scamgate::metrics {

StatsBoard::StatsBoard(std::size_t slots) : slots_(slots) {}

void StatsBoard::publish(std::size_t slot, StatsReport report) {
    auto fresh = std::make_shared<const StatsReport>(std::move(report));  // built outside the lock
    Slot& s = slots_.at(slot);
    const std::lock_guard hold(s.lock);
    s.report.swap(fresh);
    // the old report is freed when `fresh` leaves scope, after the lock is released
}

StatsReport StatsBoard::sum() const {
    StatsReport total;
    for (const Slot& s : slots_) {
        std::shared_ptr<const StatsReport> report;
        {
            const std::lock_guard hold(s.lock);
            report = s.report;
        }
        if (report) total.merge(*report);
    }
    return total;
}

}  // namespace scamgate::metrics
