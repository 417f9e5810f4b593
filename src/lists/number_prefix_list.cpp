#include "lists/number_prefix_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace scamgate::lists {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxEntries = kNone - 1;

std::size_t length_of(std::uint64_t key) { return static_cast<std::size_t>(key & 0xF); }

// Digit i occupies nibble 15 - i (counting from the low end) as digit + 1, so a shorter prefix
// (zero nibbles after it) sorts before everything it starts: key order is string order.
std::uint64_t pack(std::string_view digits) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        key |= static_cast<std::uint64_t>(digits[i] - '0' + 1) << (60 - 4 * i);
    }
    return key | digits.size();
}

bool is_prefix(std::uint64_t entry, std::uint64_t query) {
    const std::uint64_t mask = ~std::uint64_t{0} << (64 - 4 * length_of(entry));
    return ((entry ^ query) & mask) == 0;
}

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A list entry: optional '+', then 1..15 digits.
std::uint64_t parse_entry(const std::string& source, const ListLine& line) {
    std::string_view e = line.entry;
    if (e.starts_with('+')) e.remove_prefix(1);
    if (e.empty() || !all_digits(e)) {
        fail(source, line.line, fmt::format("'{}' is not a number prefix; write digits only, e.g. 84912 "
                                            "(an optional leading + is dropped)", line.entry));
    }
    if (e.size() > NumberPrefixList::kMaxDigits) {
        fail(source, line.line, fmt::format("'{}' has {} digits, more than an E.164 number (15); shorten it",
                                            line.entry, e.size()));
    }
    return pack(e);
}

}  // namespace

NumberPrefixList NumberPrefixList::load(const std::string& path) {
    std::vector<std::uint64_t> keys;
    for_each_line(path, [&](const ListLine& line) { keys.push_back(parse_entry(path, line)); });
    return build(std::move(keys));
}

NumberPrefixList NumberPrefixList::from(std::vector<std::string> prefixes) {
    std::vector<std::uint64_t> keys;
    keys.reserve(prefixes.size());
    const std::string source = "(number prefixes)";
    for_each_item(prefixes, source, [&](const ListLine& line) { keys.push_back(parse_entry(source, line)); });
    return build(std::move(keys));
}

NumberPrefixList NumberPrefixList::build(std::vector<std::uint64_t> keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (keys.size() > kMaxEntries) throw ListError(fmt::format("more than {} number prefixes in one list", kMaxEntries));
    NumberPrefixList list;
    list.parent_.resize(keys.size(), kNone);
    list.text_.resize(keys.size() * kMaxDigits);
    std::vector<std::uint32_t> ancestors;  // the chain of prefixes of the current entry, shortest first
    for (std::size_t i = 0; i < keys.size(); ++i) {
        while (!ancestors.empty() && !is_prefix(keys[ancestors.back()], keys[i])) ancestors.pop_back();
        list.parent_[i] = ancestors.empty() ? kNone : ancestors.back();
        ancestors.push_back(static_cast<std::uint32_t>(i));
        for (std::size_t d = 0; d < length_of(keys[i]); ++d) {
            list.text_[i * kMaxDigits + d] = static_cast<char>('0' + ((keys[i] >> (60 - 4 * d)) & 0xF) - 1);
        }
    }
    list.keys_ = std::move(keys);
    list.index_.build(list.keys_);
    return list;
}

std::string_view NumberPrefixList::text(std::size_t i) const {
    return std::string_view(text_).substr(i * kMaxDigits, length_of(keys_[i]));
}

// The largest entry not above the number either starts it, or shares with it every prefix in the
// list that starts it (those sort between): the answer is on that entry's chain of prefixes.
std::optional<std::string_view> NumberPrefixList::longest_match(std::string_view digits) const {
    if (digits.starts_with('+')) digits.remove_prefix(1);
    digits = digits.substr(0, std::min(digits.size(), kMaxDigits));
    if (digits.empty() || !all_digits(digits)) return std::nullopt;
    const std::uint64_t query = pack(digits) | 0xF;
    const auto [first, last] = index_.bucket(query);
    const auto it = std::upper_bound(keys_.begin() + static_cast<std::ptrdiff_t>(first),
                                     keys_.begin() + static_cast<std::ptrdiff_t>(last), query);
    if (it == keys_.begin()) return std::nullopt;
    for (auto i = static_cast<std::uint32_t>(it - keys_.begin() - 1); i != kNone; i = parent_[i]) {
        if (is_prefix(keys_[i], query) && length_of(keys_[i]) <= digits.size()) return text(i);
    }
    return std::nullopt;
}

}  // namespace scamgate::lists
