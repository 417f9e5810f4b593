#pragma once
// UTF-8 helpers shared by the text stage: a strict decoder that never reads past the view,
// an encoder, and the boundary cut used for truncation. Internal to src/text/ and its tests.
#include "common/utf8.h"
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace scamgate::text {

struct DecodedChar {
    char32_t cp = 0;       // U+FFFD when !valid
    std::uint8_t len = 1;  // bytes consumed; on error, the maximal valid prefix (at least 1)
    bool valid = true;
};

// Decodes the code point at s[i] (i < s.size()) by Unicode 15 table 3-7 (no overlongs, no
// surrogates, nothing above U+10FFFF). An invalid sequence consumes its "maximal subpart" so
// one bad sequence gives one U+FFFD (the W3C/WHATWG practice).
DecodedChar decode_utf8(std::string_view s, std::size_t i);

// The largest n <= max such that s[0, n) does not end inside a multi-byte sequence that
// continues after n.
std::size_t utf8_cut(std::string_view s, std::size_t max);

inline bool is_ascii(std::string_view s) {
    for (const char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

inline bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || is_ascii_digit(c); }
inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace scamgate::text
