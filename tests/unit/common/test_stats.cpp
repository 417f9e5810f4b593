// StatsReport::at and the tests' counter() (stats_test_support.h): reading a counter the report
// does not hold fails, so an assertion on a renamed counter cannot pass.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>

#include "common/anomaly.h"
#include "common/stats.h"
#include "stats_test_support.h"

namespace scamgate::demo {

enum class DemoAnomaly : std::uint8_t { short_header, bad_length, count_ };

AnomalyInfo describe(DemoAnomaly anomaly) {
    switch (anomaly) {
        case DemoAnomaly::short_header: return {"demo.short_header", "header shorter than its fixed part"};
        case DemoAnomaly::bad_length: return {"demo.bad_length", "length field past the data"};
        case DemoAnomaly::count_: break;
    }
    return {"demo.unknown", "?"};
}

}  // namespace scamgate::demo

using scamgate::StatsReport;
using scamgate::demo::DemoAnomaly;
using scamgate::test_support::counter;

TEST_CASE("stats: at() returns a counter that is there, zero included, and throws naming one that is not") {
    StatsReport report;
    report.add("packets", 3);
    report.add("decode.errors", 0);
    CHECK(report.at("packets") == 3);
    CHECK(report.at("decode.errors") == 0);
    CHECK(report.get("packet") == 0);  // get() cannot tell a misspelt key from a zero
    CHECK_THROWS_WITH_AS(report.at("packet"), "no counter 'packet' in the stats report", std::out_of_range);
}

TEST_CASE("stats: counter() accepts an absent anomaly only when the enum's table names it") {
    StatsReport report;
    report.add("packets", 2);
    scamgate::AnomalyCounts<DemoAnomaly> anomalies;
    anomalies.add(DemoAnomaly::bad_length);
    anomalies.append_to(report);  // appends only the non-zero one

    CHECK(counter<DemoAnomaly>(report, "packets") == 2);
    CHECK(counter<DemoAnomaly>(report, "anomaly.demo.bad_length") == 1);
    CHECK(counter<DemoAnomaly>(report, "anomaly.demo.short_header") == 0);  // known, not reported
    CHECK_THROWS_AS(counter<DemoAnomaly>(report, "anomaly.demo.short_headers"), std::out_of_range);  // misspelt
    CHECK_THROWS_AS(counter(report, "anomaly.demo.short_header"), std::out_of_range);  // no table named
    CHECK_THROWS_AS(counter<DemoAnomaly>(report, "packet"), std::out_of_range);
}
