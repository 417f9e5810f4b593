// Number classification: international forms (+, international prefix, TON 1, leading country
// code), national forms (trunk prefix, NSN as dialled, TON 2) and short codes.
#include <algorithm>

#include "phone/number.h"

namespace scamgate::phone {

namespace {

// The shortest international number worth calling foreign: E.164 numbers are at least a 1-3 digit
// country code plus a 4-digit subscriber number (e.g. +290 XXXX), so 7 digits.
constexpr std::size_t kMinForeignDigits = 7;
// Digits accepted before classification: E.164 plus the longest international prefix allowed.
constexpr std::size_t kMaxDialledDigits = kMaxE164Digits + 6;

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string e164_of(std::string_view cc, std::string_view nsn) {
    if (cc.size() + nsn.size() > kMaxE164Digits) return {};
    std::string out = "+";
    out += cc;
    out += nsn;
    return out;
}

void apply_range(NumberInfo& info, const NumberRange* range) {
    if (range == nullptr) return;
    info.type = range->type;
    info.operator_name = range->operator_name;
    info.area = range->area;
}

// A national significant number of the plan: valid or not, its country is known.
void set_domestic(const NumberingPlan& plan, NumberInfo& info, std::string_view nsn) {
    info.domestic = true;
    if (plan.country_code().size() + nsn.size() > kMaxE164Digits) return;  // too long to be a number
    info.national = std::string(nsn);
    info.e164 = e164_of(plan.country_code(), nsn);
    apply_range(info, plan.valid_range(nsn));
}

std::string_view strip_international_prefix(const NumberingPlan& plan, std::string_view digits) {
    for (const auto& p : plan.international_prefixes()) {
        if (digits.size() > p.size() && digits.starts_with(p)) return digits.substr(p.size());
    }
    return digits;
}

// `digits`: country code and number, without '+' or international prefix.
void classify_international(const NumberingPlan& plan, NumberInfo& info, std::string_view digits) {
    info.international_format = true;
    if (digits.starts_with('0')) digits = strip_international_prefix(plan, digits);  // TON 1 with "00..."
    if (digits.empty() || digits.size() > kMaxE164Digits || digits.front() == '0') return;
    if (digits.starts_with(plan.country_code())) {
        set_domestic(plan, info, digits.substr(plan.country_code().size()));
        return;
    }
    if (digits.size() < kMinForeignDigits) return;
    info.type = NumberType::foreign;
    info.e164 = e164_of("", digits);
}

void classify_national(const NumberingPlan& plan, NumberInfo& info, std::string_view digits, bool ton_national) {
    if (const NumberRange* code = plan.find_short_code(digits)) {
        info.domestic = true;
        info.national = std::string(digits);
        apply_range(info, code);
        return;
    }
    const std::string& trunk = plan.trunk_prefix();
    if (!trunk.empty() && digits.starts_with(trunk)) {
        set_domestic(plan, info, digits.substr(trunk.size()));
        return;
    }
    const std::string& cc = plan.country_code();
    if (!ton_national && digits.starts_with(cc) && plan.valid_range(digits.substr(cc.size())) != nullptr) {
        info.international_format = true;
        set_domestic(plan, info, digits.substr(cc.size()));
        return;
    }
    if (plan.valid_range(digits) != nullptr) set_domestic(plan, info, digits);
}

}  // namespace

NumberInfo classify(const NumberingPlan& plan, std::string_view presented, PresentedForm form) {
    NumberInfo info;
    info.presented = std::string(presented.substr(0, kMaxPresented));
    if (form.ton == kTonAlphanumeric) return info;
    const std::string number = extract_number(presented);
    std::string_view digits = number;
    const bool plus = digits.starts_with('+');
    if (plus) digits.remove_prefix(1);
    if (digits.empty() || digits.size() > kMaxDialledDigits || !all_digits(digits)) return info;
    if (plus || form.ton == kTonInternational) {
        classify_international(plan, info, digits);
        return info;
    }
    const bool ton_national = form.ton == kTonNational;
    const std::string_view after_prefix = strip_international_prefix(plan, digits);
    if (!ton_national && after_prefix.size() != digits.size()) {
        classify_international(plan, info, after_prefix);
        return info;
    }
    classify_national(plan, info, digits, ton_national);
    return info;
}

}  // namespace scamgate::phone
