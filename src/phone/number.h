#pragma once
// Classifies a calling or called number as presented by SIP (URI, tel:, user part) or SMPP / SMS
// (address with TON/NPI) against one numbering plan. Pure functions; nothing throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "phone/plan.h"

namespace scamgate::phone {

// Longest presentation kept in NumberInfo::presented; longer input is cut (the number is then
// invalid anyway: extract_number never yields more than this many characters).
inline constexpr std::size_t kMaxPresented = 256;

struct NumberInfo {
    std::string presented;              // as given (at most kMaxPresented bytes)
    std::string e164;                   // "+84912345678"; empty when the country code is not known
    std::string national;               // NSN "912345678"; a short code's digits; empty for foreign
    NumberType type = NumberType::invalid;
    bool domestic = false;              // the country code is the plan's (or implied by national form)
    bool international_format = false;  // presented with +, an international prefix, TON 1 or CC
    std::string operator_name;          // from the range, if any
    std::string area;                   // from the range, if any (fixed lines)
};

// SMPP / TPDU type of number and numbering plan indicator, when the presentation carries them.
struct PresentedForm {
    std::optional<std::uint8_t> ton;  // 1 international, 2 national, 5 alphanumeric
    std::optional<std::uint8_t> npi;
};

inline constexpr std::uint8_t kTonInternational = 1;
inline constexpr std::uint8_t kTonNational = 2;
inline constexpr std::uint8_t kTonAlphanumeric = 5;

NumberInfo classify(const NumberingPlan& plan, std::string_view presented, PresentedForm form = {});

// The number inside what SIP presents: "sip:+84912345678@host;user=phone", "tel:+84-91-234-5678",
// "\"Name\" <sip:0912345678@gw>", a bare user part. URI parameters, the host and visual separators
// (- . ( ) and spaces) are dropped, %-escapes decoded. No number ("anonymous", a host-only URI,
// empty) gives "" or the word as it was; classify() turns those into invalid. At most
// kMaxPresented characters are returned.
std::string extract_number(std::string_view uri_or_user);

}  // namespace scamgate::phone
