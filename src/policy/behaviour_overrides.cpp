#include "policy/behaviour_overrides.h"

#include <algorithm>
#include <bit>
#include <functional>

namespace scamgate::policy {

namespace {

std::size_t slot_of(std::uint64_t key, std::size_t slots) {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (slots - 1);
}

}  // namespace

std::size_t BehaviourOverrides::find_slot(std::uint64_t key) const {
    std::size_t at = slot_of(key, slots_.size());
    while (slots_[at].key != 0 && slots_[at].key != key) at = (at + 1) & (slots_.size() - 1);
    return at;
}

void BehaviourOverrides::rehash(std::size_t slots) {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots));
    for (const Slot& slot : old) {
        if (slot.key != 0) slots_[find_slot(slot.key)] = slot;
    }
}

bool BehaviourOverrides::add_prefix(const std::string& digits, const behaviour::Settings& settings) {
    if (digits.empty() || digits.size() > kMaxDigits || digits.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    std::uint64_t value = 0;
    for (const char c : digits) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    const std::uint64_t key = prefix_key(value, digits.size());
    if (slots_.size() < 2 * (prefixes_.size() + 1)) rehash(std::bit_ceil(std::max<std::size_t>(16, 4 * (prefixes_.size() + 1))));
    const std::size_t at = find_slot(key);
    if (slots_[at].key == key) return false;
    slots_[at] = Slot{key, static_cast<std::uint32_t>(prefixes_.size())};
    prefixes_.push_back(settings);
    const auto length = static_cast<std::uint8_t>(digits.size());
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

// The caller's leading digits as numbers (value of the first n digits for every n up to the
// longest prefix), then one hash probe per distinct prefix length, longest first: a few
// nanoseconds with a hundred prefixes (docs/performance.md).
const behaviour::Settings* BehaviourOverrides::by_prefix(std::string_view caller) const {
    std::array<std::uint64_t, kMaxDigits + 1> value{};
    std::size_t digits = 0;
    const std::size_t longest = lengths_.front();
    while (digits < longest && digits < caller.size() && caller[digits] >= '0' && caller[digits] <= '9') {
        value[digits + 1] = value[digits] * 10 + static_cast<std::uint64_t>(caller[digits] - '0');
        ++digits;
    }
    for (const std::size_t length : lengths_) {
        if (length > digits) continue;
        const Slot& slot = slots_[find_slot(prefix_key(value[length], length))];
        if (slot.key != 0) return &prefixes_[slot.index];
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
