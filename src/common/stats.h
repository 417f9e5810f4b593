#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace scamgate {

// Counters gathered from every stage at report time, keyed by their stable dotted name
// ("packets", "sip.messages", "anomaly.ipv4.truncated", ...). Stages keep plain integers on the hot
// path and append them here only when asked.
class StatsReport {
public:
    void set(std::string_view name, std::uint64_t value) { values_[std::string(name)] = value; }
    void add(std::string_view name, std::uint64_t value) { values_[std::string(name)] += value; }
    std::uint64_t get(std::string_view name) const {
        auto it = values_.find(std::string(name));
        return it == values_.end() ? 0 : it->second;
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
