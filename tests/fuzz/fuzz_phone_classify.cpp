// Runs number extraction and classification over fuzzed presentations (SIP URIs, tel: URIs, bare
// digits, SMPP addresses with every TON) against a plan shaped like config/numbering/vn.yaml, and
// checks the invariants of NumberInfo.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "phone/number.h"
#include "phone/plan.h"

namespace {

using namespace scamgate::phone;

constexpr std::string_view kPlan = R"(country: VN
country_code: "84"
trunk_prefix: "0"
international_prefixes: ["00"]
national_lengths: [9, 10]
ranges:
  - {prefix: "3", type: mobile, lengths: [9], operator: Viettel}
  - {prefix: "86", type: mobile, lengths: [9], operator: Viettel}
  - {prefix: "91", type: mobile, lengths: [9], operator: VinaPhone}
  - {prefix: "24", type: fixed, lengths: [10], area: "Ha Noi"}
  - {prefix: "672", type: voip, lengths: [9]}
  - {prefix: "1800", type: service, lengths: [8, 10]}
  - {prefix: "1900", type: premium, lengths: [8, 10]}
short_codes:
  - {number: "113", type: emergency}
  - {prefix: "9", lengths: [4, 5], type: short_code}
)";

bool is_digits(std::string_view s) {
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

void check(const NumberInfo& n, std::string_view presented) {
    if (n.presented.size() > kMaxPresented || n.presented != presented.substr(0, kMaxPresented)) __builtin_trap();
    if (!n.e164.empty()) {
        if (n.e164.front() != '+' || n.e164.size() > kMaxE164Digits + 1) __builtin_trap();
        if (!is_digits(std::string_view(n.e164).substr(1))) __builtin_trap();
    }
    if (!is_digits(n.national) || n.national.size() > kMaxE164Digits) __builtin_trap();
    if (n.type == NumberType::foreign && (n.domestic || n.e164.empty())) __builtin_trap();
    if (n.domestic && !n.e164.empty() && !n.e164.starts_with("+84")) __builtin_trap();
    if (n.type != NumberType::invalid && n.type != NumberType::foreign && !n.domestic) __builtin_trap();
    if (type_name(n.type).empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const NumberingPlan plan = parse_plan(kPlan, "fuzz-plan.yaml");  // read-only after start
    // A copy of exactly `size` bytes, so ASan sees any read past the end.
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (extract_number(input).size() > kMaxPresented) __builtin_trap();
    check(classify(plan, input), input);
    for (std::uint8_t ton : {0, 1, 2, 5}) {
        check(classify(plan, input, {.ton = ton, .npi = 1}), input);
    }
    return 0;
}
