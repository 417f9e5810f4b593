#pragma once
// Settings of the inline gate that are not detection or policy (config keys `inline.*`).
#include <cstdint>
#include <optional>
#include <string_view>

namespace scamgate::enforce {

// What the gate does with a packet on a SIP or SMPP port it cannot parse (`inline.unparsed`):
// allow forwards it (counted, an event), alert the same with the event marked alert, drop drops it
// (UDP only: a TCP segment is never dropped, see docs/policy.md).
enum class UnparsedAction : std::uint8_t { allow, alert, drop };

std::string_view unparsed_action_name(UnparsedAction action);
std::optional<UnparsedAction> unparsed_action_from(std::string_view name);

struct InlineSettings {
    UnparsedAction unparsed = UnparsedAction::allow;
};

}  // namespace scamgate::enforce
