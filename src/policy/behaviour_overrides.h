#pragma once
// Per-trunk and per-caller-prefix behaviour thresholds (`behaviour.overrides`, docs/behaviour.md
// "Overrides"). Each override is resolved once, when the configuration is loaded, into a complete
// behaviour::Settings (the base thresholds with the override applied), so deciding a contact only
// picks one of them: no allocation, no merging per contact.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/behaviour.h"

namespace scamgate::policy {

class BehaviourOverrides {
public:
    // `digits`: an E.164 prefix without '+'. False (and nothing changed) when that prefix already
    // has an override.
    bool add_prefix(std::string digits, const behaviour::Settings& settings);
    // `trunk`: a configured trunk's name. False when that trunk already has an override.
    bool add_trunk(std::string trunk, const behaviour::Settings& settings);

    // The thresholds for one contact. Precedence: the longest configured prefix of `caller` (the
    // caller / sender as behaviour keys it: E.164 digits without '+'), else the override of the
    // trunk the contact came in on, else `base`. A prefix names a number block wherever it comes
    // from; a trunk names a whole interconnect, so the narrower selector wins.
    const behaviour::Settings& select(const behaviour::Settings& base, std::string_view caller,
                                      std::string_view trunk) const;

    bool empty() const { return prefixes_.empty() && trunks_.empty(); }
    std::size_t size() const { return prefixes_.size() + trunks_.size(); }

private:
    struct ForPrefix {
        std::string digits;
        behaviour::Settings settings;
    };
    struct ForTrunk {
        std::string trunk;
        behaviour::Settings settings;
    };
    const behaviour::Settings* by_prefix(std::string_view caller) const;

    std::vector<ForPrefix> prefixes_;  // sorted by digits, for a binary search per length
    std::vector<std::size_t> lengths_;  // the distinct prefix lengths, longest first
    std::vector<ForTrunk> trunks_;      // few (one per configured trunk at most): a linear scan
};

}  // namespace scamgate::policy
