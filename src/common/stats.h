#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace scamgate {

// How a command prints its counters (--stats).
enum class StatsFormat { none, json, text };

// Counters gathered from every stage at report time, keyed by their stable dotted name
// ("packets", "sip.messages", "anomaly.ipv4.truncated", ...). Stages keep plain integers on the hot
// path and append them here only when asked.
class StatsReport {
public:
    void set(std::string_view name, std::uint64_t value) { values_[std::string(name)] = value; }
    void add(std::string_view name, std::uint64_t value) { values_[std::string(name)] += value; }
    // 0 for a counter that is not in the report: a stage that never appended it, a counter
    // appended only when non-zero (anomaly.*), or a misspelt or renamed key. For summaries only.
    std::uint64_t get(std::string_view name) const {
        auto it = values_.find(std::string(name));
        return it == values_.end() ? 0 : it->second;
    }
    // A counter that must be in the report; throws std::out_of_range naming the key otherwise, so
    // a test asserting a value cannot pass on a counter that was renamed or never reported.
    std::uint64_t at(std::string_view name) const {
        auto it = values_.find(std::string(name));
        if (it == values_.end()) throw std::out_of_range("no counter '" + std::string(name) + "' in the stats report");
        return it->second;
    }
    const std::map<std::string, std::uint64_t>& values() const { return values_; }
    // Sums another report into this one (used to merge the workers' reports).
    void merge(const StatsReport& other) {
        for (const auto& [k, v] : other.values_) values_[k] += v;
    }

private:
    std::map<std::string, std::uint64_t> values_;
};

}  // namespace scamgate
