// Lookups over a validated plan: ranges are sorted and no prefix starts another, so the only
// candidate for a number is the last prefix not greater than it.
#include "phone/plan.h"

#include <algorithm>

namespace scamgate::phone {

std::string_view type_name(NumberType type) {
    switch (type) {
        case NumberType::mobile: return "mobile";
        case NumberType::fixed: return "fixed";
        case NumberType::service: return "service";
        case NumberType::premium: return "premium";
        case NumberType::emergency: return "emergency";
        case NumberType::short_code: return "short_code";
        case NumberType::voip: return "voip";
        case NumberType::m2m: return "m2m";
        case NumberType::foreign: return "foreign";
        case NumberType::invalid: return "invalid";
    }
    return "invalid";
}

bool NumberRange::allows_length(std::size_t n) const {
    return std::find(lengths.begin(), lengths.end(), n) != lengths.end();
}

namespace {

// Any prefix of `digits` in a sorted, prefix-free table sorts at or before `digits`, and nothing
// can sort between it and `digits` without starting with it (which the plan forbids).
const NumberRange* prefix_of(const std::vector<NumberRange>& table, std::string_view digits) {
    auto it = std::upper_bound(table.begin(), table.end(), digits,
                               [](std::string_view d, const NumberRange& r) { return d < r.prefix; });
    if (it == table.begin()) return nullptr;
    --it;
    return digits.starts_with(it->prefix) ? &*it : nullptr;
}

}  // namespace

const NumberRange* NumberingPlan::find_range(std::string_view nsn) const {
    return prefix_of(data_.ranges, nsn);
}

const NumberRange* NumberingPlan::find_short_code(std::string_view digits) const {
    const NumberRange* r = prefix_of(data_.short_codes, digits);
    return r != nullptr && r->allows_length(digits.size()) ? r : nullptr;
}

const NumberRange* NumberingPlan::valid_range(std::string_view nsn) const {
    const NumberRange* r = find_range(nsn);
    return r != nullptr && r->allows_length(nsn.size()) ? r : nullptr;
}

}  // namespace scamgate::phone
