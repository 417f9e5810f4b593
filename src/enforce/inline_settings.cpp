#include "enforce/inline_settings.h"

namespace scamgate::enforce {

std::string_view unparsed_action_name(UnparsedAction action) {
    switch (action) {
        case UnparsedAction::allow: return "allow";
        case UnparsedAction::alert: return "alert";
        case UnparsedAction::drop: return "drop";
    }
    return "allow";
}

std::optional<UnparsedAction> unparsed_action_from(std::string_view name) {
    for (auto action : {UnparsedAction::allow, UnparsedAction::alert, UnparsedAction::drop}) {
        if (unparsed_action_name(action) == name) return action;
    }
    return std::nullopt;
}

}  // namespace scamgate::enforce
