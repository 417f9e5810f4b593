#pragma once
// When reloads run, and the packet path's service time split by it: the packet loops report the
// time they spend on packets handled during a reload (or just after it) apart from the others, so
// a reload that slows the packet path shows in the stats (docs/operations.md, "Reload").
#include <atomic>
#include <chrono>
#include <limits>

#include "common/latency.h"
#include "common/stats.h"

namespace scamgate::daemon {

// Written by the control thread around each reload, read per packet (two relaxed loads). A packet
// is covered while a reload runs and for kAftermath after it ends, when the first decisions meet
// the new set (scratch fitted, old set released).
class ReloadActivity {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr Clock::duration kAftermath = std::chrono::seconds(1);

    void begin();
    void end();
    bool covers(Clock::time_point t) const;

private:
    std::atomic<int> running_{0};
    std::atomic<Clock::rep> last_end_{std::numeric_limits<Clock::rep>::min() / 2};
};

// The whole time the packet thread spends on one packet (verdict, recording, replies): what the
// next queued packet waits for.
class ServiceTimes {
public:
    using Clock = ReloadActivity::Clock;
    explicit ServiceTimes(const ReloadActivity* reloads = nullptr) : reloads_(reloads) {}

    void record_since(Clock::time_point started);
    // Adds another worker's times (each live worker thread keeps its own).
    void merge(const ServiceTimes& other) {
        steady_.merge(other.steady_);
        during_reload_.merge(other.during_reload_);
    }
    // inline.service_{samples,p50_us,p99_us,max_us} outside reloads and
    // inline.reload_service_{samples,p50_us,p99_us,max_us} for the packets a reload covered.
    void append_stats(StatsReport& stats) const;

private:
    const ReloadActivity* reloads_;
    LatencyHistogram steady_;
    LatencyHistogram during_reload_;
};

}  // namespace scamgate::daemon
