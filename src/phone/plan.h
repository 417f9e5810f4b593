#pragma once
// A country's numbering plan as data (config/numbering/*.yaml, docs/numbering.md): country code,
// trunk and international prefixes, national number ranges by prefix and short codes. Loaded and
// validated once, immutable afterwards, shared read-only by every worker.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scamgate::phone {

// `foreign`: an international number whose country code is not the plan's (its ranges are not
// known here, so it is neither valid nor invalid). `invalid`: a number that is wrong for the plan
// (unallocated prefix, wrong length, not digits) or no number at all (anonymous, alphanumeric).
enum class NumberType : std::uint8_t { mobile, fixed, service, premium, emergency, short_code, voip, m2m, foreign, invalid };

std::string_view type_name(NumberType type);  // "mobile", "fixed", ..., "foreign", "invalid"

// E.164: at most 15 digits, country code included.
inline constexpr std::size_t kMaxE164Digits = 15;

class PlanError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;  // "FILE:LINE: what is wrong; what to do"
};

// One allocated block: national significant numbers (NSN) starting with `prefix`, or, for a short
// code, the digits dialled as they are.
struct NumberRange {
    std::string prefix;
    NumberType type = NumberType::invalid;
    std::vector<std::uint8_t> lengths;  // allowed total digit counts (NSN, or whole short code), sorted
    std::string operator_name;
    std::string area;
    int line = 0;  // where it was declared

    bool allows_length(std::size_t n) const;
};

class NumberingPlan {
public:
    struct Data {
        std::string source;  // file the plan came from
        std::string country;
        std::string country_code;
        std::string trunk_prefix;
        std::vector<std::string> international_prefixes;  // longest first
        std::vector<std::uint8_t> national_lengths;
        std::vector<NumberRange> ranges;       // sorted by prefix, no prefix starts another
        std::vector<NumberRange> short_codes;  // sorted by prefix, no prefix starts another
    };

    const std::string& source() const { return data_.source; }
    const std::string& country() const { return data_.country; }
    const std::string& country_code() const { return data_.country_code; }
    const std::string& trunk_prefix() const { return data_.trunk_prefix; }
    const std::vector<std::string>& international_prefixes() const { return data_.international_prefixes; }
    const std::vector<std::uint8_t>& national_lengths() const { return data_.national_lengths; }
    const std::vector<NumberRange>& ranges() const { return data_.ranges; }
    const std::vector<NumberRange>& short_codes() const { return data_.short_codes; }

    // The range whose prefix starts `nsn` (there is at most one), ignoring length; nullptr if none.
    const NumberRange* find_range(std::string_view nsn) const;
    // The short code entry matching `digits` including its length; nullptr if none.
    const NumberRange* find_short_code(std::string_view digits) const;
    // The range of a valid NSN (prefix and length); nullptr when `nsn` is not a valid NSN.
    const NumberRange* valid_range(std::string_view nsn) const;

private:
    friend NumberingPlan make_plan(Data data);
    explicit NumberingPlan(Data data) : data_(std::move(data)) {}
    Data data_;
};

// Loads and validates a plan file. Throws PlanError naming the file and line; nothing half-loaded.
NumberingPlan load_plan(const std::string& path);
// The same from YAML text; `source` names it in error messages (tests, fuzzing, embedded plans).
NumberingPlan parse_plan(std::string_view yaml, const std::string& source);

}  // namespace scamgate::phone
