#pragma once
// A set of digit prefixes (E.164 digits without '+', e.g. "84912") answering "which entry is the
// longest prefix of this number". Built for millions of entries: each is packed into one 64-bit
// key (a 4-bit nibble per digit, the length in the low nibble), the keys are sorted, and each entry
// knows its longest proper prefix in the list, so a lookup is one binary search plus at most 15
// steps up that chain.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lists/key_index.h"
#include "lists/list_file.h"

namespace scamgate::lists {

class NumberPrefixList {
public:
    static constexpr std::size_t kMaxDigits = 15;  // E.164

    // One prefix per line ('+' allowed and dropped, then 1..15 digits); throws ListError naming
    // the file and line of the first bad entry. Duplicates are kept once.
    static NumberPrefixList load(const std::string& path);
    static NumberPrefixList from(std::vector<std::string> prefixes);

    // The longest entry that starts `digits` (a leading '+' is ignored); nullopt if none.
    std::optional<std::string_view> longest_match(std::string_view digits) const;
    bool contains_prefix_of(std::string_view digits) const { return longest_match(digits).has_value(); }
    std::size_t size() const { return keys_.size(); }

private:
    static NumberPrefixList build(std::vector<std::uint64_t> keys);
    std::string_view text(std::size_t i) const;

    std::vector<std::uint64_t> keys_;     // sorted, unique
    KeyIndex index_;                      // buckets of keys_ by their first digits
    std::vector<std::uint32_t> parent_;   // index of the longest proper prefix in the list, or kNone
    std::string text_;                    // entry i's digits at i * kMaxDigits
};

}  // namespace scamgate::lists
