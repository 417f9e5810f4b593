#pragma once
// Per-trunk and per-caller-prefix behaviour thresholds (`behaviour.overrides`, docs/behaviour.md
// "Overrides"). Each override is resolved once, when the configuration is loaded, into a complete
// behaviour::Settings (the base thresholds with the override applied), so deciding a contact only
// picks one of them: no allocation, no merging per contact.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/behaviour.h"

namespace scamgate::policy {

class BehaviourOverrides {
public:
    static constexpr std::size_t kMaxDigits = 15;  // E.164

    // `digits`: an E.164 prefix without '+', 1..kMaxDigits digits. False (and nothing changed)
    // when that prefix already has an override or is not such a prefix.
    bool add_prefix(const std::string& digits, const behaviour::Settings& settings);
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
    struct ForTrunk {
        std::string trunk;
        behaviour::Settings settings;
    };
    // A prefix as one number: its digits' value and its length (so "84" and "084" differ).
    static std::uint64_t prefix_key(std::uint64_t value, std::size_t length) { return value << 4 | length; }
    const behaviour::Settings* by_prefix(std::string_view caller) const;
    std::size_t find_slot(std::uint64_t key) const;  // the key's slot, or the empty one it would take
    void rehash(std::size_t slots);

    // Open addressing on prefix_key (0: empty; a key is never 0, its length is at least 1), at most
    // half full: one probe per distinct prefix length, about, for the callers that match nothing.
    struct Slot {
        std::uint64_t key = 0;
        std::uint32_t index = 0;  // into prefixes_
    };
    std::vector<Slot> slots_;
    std::vector<behaviour::Settings> prefixes_;
    std::vector<std::uint8_t> lengths_;  // the distinct prefix lengths, longest first
    std::vector<ForTrunk> trunks_;       // few (one per configured trunk at most): a linear scan
};

}  // namespace scamgate::policy
