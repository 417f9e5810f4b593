#pragma once
// The closed set of behaviour findings, in verdict order (finding_names() lists their names).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scamgate::behaviour {

enum class Finding : std::uint8_t {
    call_rate,
    callee_spray,
    wangiri,
    short_calls,
    sequential_callees,
    concurrent_calls,
    register_flood,
    sms_rate,
    sms_recipient_spray,
    sms_campaign,
    url_spray,
    count_,
};
inline constexpr std::size_t kFindingCount = static_cast<std::size_t>(Finding::count_);

std::string_view finding_name(Finding finding);  // "behaviour.call_rate", ...
int finding_score(Finding finding);

}  // namespace scamgate::behaviour
