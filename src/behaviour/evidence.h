#pragma once
// The findings of one contact as they are gathered: at most one per finding, its evidence the
// lines of every key that fired it, joined by "; ". Evidence is formatted only when a finding
// fires, never on the quiet path.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/findings.h"
#include "common/time.h"
#include "record/verdict.h"

namespace scamgate::behaviour {

class FindingSet {
public:
    void add(Finding finding, std::string line) {
        std::string& evidence = evidence_[static_cast<std::size_t>(finding)];
        if (!evidence.empty()) evidence += "; ";
        evidence += line;
    }
    bool has(Finding finding) const { return !evidence_[static_cast<std::size_t>(finding)].empty(); }

    // The findings in finding_names() order; each one fired is counted in `fired`.
    std::vector<record::CheckFinding> take(std::array<std::atomic<std::uint64_t>, kFindingCount>& fired) {
        std::vector<record::CheckFinding> out;
        for (std::size_t i = 0; i < kFindingCount; ++i) {
            if (evidence_[i].empty()) continue;
            const auto finding = static_cast<Finding>(i);
            fired[i].fetch_add(1, std::memory_order_relaxed);
            out.push_back({std::string(finding_name(finding)), std::move(evidence_[i]), finding_score(finding)});
        }
        return out;
    }

private:
    std::array<std::string, kFindingCount> evidence_;
};

// "3600" for an hour, "0.5" for half a second.
std::string seconds_text(Timestamp duration);
// A distinct-count estimate as evidence shows it (rounded down: the value compared with a
// threshold is the unrounded estimate, so "10" means at least 10).
std::uint64_t whole(double estimate);

}  // namespace scamgate::behaviour
