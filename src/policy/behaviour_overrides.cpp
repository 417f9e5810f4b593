#include "policy/behaviour_overrides.h"

#include <algorithm>
#include <functional>

namespace scamgate::policy {

bool BehaviourOverrides::add_prefix(std::string digits, const behaviour::Settings& settings) {
    const auto at = std::lower_bound(prefixes_.begin(), prefixes_.end(), digits,
                                     [](const ForPrefix& p, const std::string& d) { return p.digits < d; });
    if (at != prefixes_.end() && at->digits == digits) return false;
    const std::size_t length = digits.size();
    prefixes_.insert(at, ForPrefix{std::move(digits), settings});
    if (std::find(lengths_.begin(), lengths_.end(), length) == lengths_.end()) {
        lengths_.insert(std::upper_bound(lengths_.begin(), lengths_.end(), length, std::greater<>()), length);
    }
    return true;
}

bool BehaviourOverrides::add_trunk(std::string trunk, const behaviour::Settings& settings) {
    if (std::any_of(trunks_.begin(), trunks_.end(), [&](const ForTrunk& t) { return t.trunk == trunk; })) return false;
    trunks_.push_back(ForTrunk{std::move(trunk), settings});
    return true;
}

// One binary search per distinct prefix length, longest first: with a hundred prefixes of a few
// lengths, a handful of string comparisons per length (docs/performance.md).
const behaviour::Settings* BehaviourOverrides::by_prefix(std::string_view caller) const {
    for (const std::size_t length : lengths_) {
        if (length > caller.size()) continue;
        const std::string_view head = caller.substr(0, length);
        const auto at = std::lower_bound(prefixes_.begin(), prefixes_.end(), head,
                                         [](const ForPrefix& p, std::string_view h) { return p.digits < h; });
        if (at != prefixes_.end() && at->digits == head) return &at->settings;
    }
    return nullptr;
}

const behaviour::Settings& BehaviourOverrides::select(const behaviour::Settings& base, std::string_view caller,
                                                      std::string_view trunk) const {
    if (!prefixes_.empty()) {
        if (const auto* settings = by_prefix(caller)) return *settings;
    }
    if (!trunk.empty()) {
        for (const auto& t : trunks_) {
            if (t.trunk == trunk) return t.settings;
        }
    }
    return base;
}

}  // namespace scamgate::policy
