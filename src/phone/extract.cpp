// Pulls the dialled digits out of a SIP URI, tel: URI, name-addr or bare user part.
#include <algorithm>
#include <cctype>

#include "phone/number.h"

namespace scamgate::phone {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
}

std::string_view cut_at(std::string_view s, char c) { return s.substr(0, s.find(c)); }

// "Name" <sip:...>;tag=x -> sip:...
std::string_view inside_angle_brackets(std::string_view s) {
    const auto open = s.find('<');
    if (open == std::string_view::npos) return s;
    s.remove_prefix(open + 1);
    return cut_at(s, '>');
}

bool looks_like_number(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_digit(c) || c == '+' || c == '-' || c == '.' || c == '(' || c == ')' || c == ' ' || c == '%';
    });
}

// The user part of a sip:/sips: URI without its password and user parameters (";npdi;rn=...").
// A URI without '@' names only a host: no user, unless the whole thing is plainly a number.
std::string_view sip_user(std::string_view rest) {
    const auto at = rest.find('@');
    if (at == std::string_view::npos) {
        rest = cut_at(rest, ';');
        return looks_like_number(rest) ? rest : std::string_view();
    }
    return cut_at(cut_at(rest.substr(0, at), ';'), ':');
}

std::string_view user_part(std::string_view s) {
    if (starts_with_nocase(s, "sips:")) return sip_user(s.substr(5));
    if (starts_with_nocase(s, "sip:")) return sip_user(s.substr(4));
    if (starts_with_nocase(s, "tel:")) return cut_at(s.substr(4), ';');
    return cut_at(cut_at(s, '@'), ';');
}

int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    const int lower = std::tolower(static_cast<unsigned char>(c));
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

bool is_visual_separator(char c) { return c == '-' || c == '.' || c == '(' || c == ')' || is_space(c); }

// %-decoding (RFC 3986) and separator removal in one pass; a broken escape is kept as it is.
std::string clean(std::string_view user) {
    std::string out;
    out.reserve(std::min(user.size(), kMaxPresented));
    for (std::size_t i = 0; i < user.size() && out.size() < kMaxPresented; ++i) {
        char c = user[i];
        if (c == '%' && i + 2 < user.size() && hex_value(user[i + 1]) >= 0 && hex_value(user[i + 2]) >= 0) {
            c = static_cast<char>(hex_value(user[i + 1]) * 16 + hex_value(user[i + 2]));
            i += 2;
        }
        if (!is_visual_separator(c)) out.push_back(c);
    }
    return out;
}

}  // namespace

std::string extract_number(std::string_view uri_or_user) {
    return clean(user_part(trim(inside_angle_brackets(trim(uri_or_user)))));
}

}  // namespace scamgate::phone
