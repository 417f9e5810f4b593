#include "daemon/reload_activity.h"

#include <string>

namespace scamgate::daemon {

void ReloadActivity::begin() { running_.fetch_add(1, std::memory_order_relaxed); }

void ReloadActivity::end() {
    last_end_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    running_.fetch_sub(1, std::memory_order_relaxed);
}

bool ReloadActivity::covers(Clock::time_point t) const {
    if (running_.load(std::memory_order_relaxed) > 0) return true;
    const Clock::time_point ended{Clock::duration{last_end_.load(std::memory_order_relaxed)}};
    return t - ended <= kAftermath;
}

void ServiceTimes::record_since(Clock::time_point started) {
    const auto now = Clock::now();
    const bool in_reload = reloads_ != nullptr && (reloads_->covers(started) || reloads_->covers(now));
    (in_reload ? during_reload_ : steady_).record_ns(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - started).count()));
}

namespace {
void append_histogram(const std::string& prefix, const LatencyHistogram& h, StatsReport& stats) {
    stats.set(prefix + "samples", h.count());
    stats.set(prefix + "p50_us", h.percentile_micros(0.50));
    stats.set(prefix + "p99_us", h.percentile_micros(0.99));
    stats.set(prefix + "max_us", h.max_micros());
}
}  // namespace

void ServiceTimes::append_stats(StatsReport& stats) const {
    append_histogram("inline.service_", steady_, stats);
    append_histogram("inline.reload_service_", during_reload_, stats);
}

}  // namespace scamgate::daemon
