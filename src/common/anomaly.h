#pragma once
// Malformed traffic is data, not an exception (Zeek's "weirds"): each decoder declares an enum of
// its anomalies and a describe() that names them; counts go to stats as "anomaly.<name>", and the
// pipeline logs the first few of each kind with their packet number.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/stats.h"

namespace scamgate {

struct AnomalyInfo {
    std::string_view name;         // stable, dotted: "ipv4.bad_header_length"
    std::string_view description;  // one line for humans
};

// Enum must end with an enumerator named `count_`, and a `describe(Enum)` must be findable by ADL.
template <typename Enum>
class AnomalyCounts {
public:
    static constexpr std::size_t kSize = static_cast<std::size_t>(Enum::count_);

    void add(Enum which) { ++counts_[static_cast<std::size_t>(which)]; }
    std::uint64_t get(Enum which) const { return counts_[static_cast<std::size_t>(which)]; }
    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (auto c : counts_) sum += c;
        return sum;
    }
    void append_to(StatsReport& report) const {
        for (std::size_t i = 0; i < kSize; ++i) {
            if (counts_[i] == 0) continue;
            std::string name = "anomaly.";
            name += describe(static_cast<Enum>(i)).name;
            report.add(name, counts_[i]);
        }
    }

private:
    std::array<std::uint64_t, kSize> counts_{};
};

}  // namespace scamgate
