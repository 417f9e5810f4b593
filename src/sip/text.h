#pragma once
// Small character-class and string helpers shared by the SIP parsers (internal to src/sip).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace scamgate::sip::text {

constexpr bool is_wsp(char c) { return c == ' ' || c == '\t'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// RFC 3261 25.1 token characters.
constexpr bool is_token_char(char c) {
    if (is_alpha(c) || is_digit(c)) return true;
    switch (c) {
        case '-': case '.': case '!': case '%': case '*': case '_':
        case '+': case '`': case '\'': case '~':
            return true;
        default:
            return false;
    }
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    }
    return true;
}

inline bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Trims SP, HTAB, CR and LF (folded values may end in line breaks).
inline std::string_view trim(std::string_view s) {
    auto is_space = [](char c) { return is_wsp(c) || c == '\r' || c == '\n'; };
    std::size_t begin = 0;
    while (begin < s.size() && is_space(s[begin])) ++begin;
    std::size_t end = s.size();
    while (end > begin && is_space(s[end - 1])) --end;
    return s.substr(begin, end - begin);
}

// Parses a decimal number made only of digits, refusing values above `max`.
inline std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

// The RFC 3261 spelling of an RFC method written in another case ("invite" -> "INVITE"), or
// `token` itself (parser.cpp).
std::string_view canonical_method(std::string_view token);

// Finds ;name[=value] in a parameter list such as ";tag=1;lr" (case-insensitive name).
// Returns "" for a parameter without a value. Quoted values are returned with their quotes.
std::optional<std::string_view> find_param(std::string_view params, std::string_view name);

}  // namespace scamgate::sip::text
