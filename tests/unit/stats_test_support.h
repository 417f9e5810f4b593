#pragma once
// Reading counters in tests. StatsReport::get() answers 0 for a key the report does not hold, so
// `CHECK(stats.get("x") == 0)` would still pass after "x" is renamed. Tests read counters with
// counter() instead: a key the report does not hold fails the test (std::out_of_range), except an
// anomaly counter, which stages append only when it is non-zero; its name must then be one that
// the anomaly enum's describe() table gives, so a misspelt or renamed anomaly fails too.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/anomaly.h"
#include "common/stats.h"

namespace scamgate::test_support {

inline constexpr std::string_view kAnomalyPrefix = "anomaly.";

// Whether describe() names one of Enum's anomalies `name` ("tcp.gap_skipped", no "anomaly.").
template <typename Enum>
bool names_anomaly(std::string_view name) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(Enum::count_); ++i) {
        if (describe(static_cast<Enum>(i)).name == name) return true;
    }
    return false;
}

// The value of `key` in `report`. "anomaly.<name>" keys are checked against the describe() tables
// of `Anomalies` (an absent known anomaly is 0); every other key must be in the report.
//   counter(stats, "tcp.gaps")                                       // always reported
//   counter<net::TcpAnomaly>(stats, "anomaly.tcp.overlap_mismatch")  // reported when non-zero
template <typename... Anomalies>
std::uint64_t counter(const StatsReport& report, std::string_view key) {
    if (!key.starts_with(kAnomalyPrefix)) return report.at(key);
    [[maybe_unused]] const std::string_view name = key.substr(kAnomalyPrefix.size());  // unused with no enum
    if (!(names_anomaly<Anomalies>(name) || ...)) {
        throw std::out_of_range("'" + std::string(key) + "' is not an anomaly counter of the enums the test names");
    }
    const auto it = report.values().find(std::string(key));
    return it == report.values().end() ? 0 : it->second;
}

}  // namespace scamgate::test_support
