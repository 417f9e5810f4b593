#pragma once
// Strict UTF-8 (RFC 3629) for the fuzz targets' invariants, written independently of the
// decoders under test so that a decoder bug cannot hide behind the same bug here.
#include <cstddef>
#include <optional>
#include <string_view>

namespace scamgate::fuzz {

// The number of code points, or nullopt when `s` is not valid UTF-8 (bad lead or continuation
// byte, overlong form, surrogate, value above U+10FFFF, sequence cut at the end).
inline std::optional<std::size_t> utf8_code_points(std::string_view s) {
    std::size_t i = 0;
    std::size_t count = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (b < 0x80) { n = 1; cp = b; }
        else if ((b & 0xE0) == 0xC0) { n = 2; cp = b & 0x1F; }
        else if ((b & 0xF0) == 0xE0) { n = 3; cp = b & 0x0F; }
        else if ((b & 0xF8) == 0xF0) { n = 4; cp = b & 0x07; }
        else return std::nullopt;
        if (i + n > s.size()) return std::nullopt;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (c & 0x3F);
        }
        const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
        i += n;
        ++count;
    }
    return count;
}

inline bool valid_utf8(std::string_view s) { return utf8_code_points(s).has_value(); }

}  // namespace scamgate::fuzz
