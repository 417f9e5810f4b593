#include "common/utf8.h"
#include "text/utf8.h"

namespace scamgate::text {

namespace {

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Allowed range of the second byte after a lead byte (table 3-7); the others are 80..BF.
struct SecondRange {
    unsigned char lo;
    unsigned char hi;
};

SecondRange second_range(unsigned char lead) {
    switch (lead) {
    case 0xE0: return {0xA0, 0xBF};  // no overlong 3-byte forms
    case 0xED: return {0x80, 0x9F};  // no surrogates
    case 0xF0: return {0x90, 0xBF};  // no overlong 4-byte forms
    case 0xF4: return {0x80, 0x8F};  // nothing above U+10FFFF
    default: return {0x80, 0xBF};
    }
}

}  // namespace

DecodedChar decode_utf8(std::string_view s, std::size_t i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) return {lead, 1, true};
    std::size_t need = 0;
    char32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 1;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        cp = lead & 0x07;
    } else {
        return {0xFFFD, 1, false};  // continuation byte, C0/C1 or F5..FF as a lead
    }
    const SecondRange second = second_range(lead);
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size()) return {0xFFFD, static_cast<std::uint8_t>(k), false};
        const auto b = static_cast<unsigned char>(s[i + k]);
        const bool ok = k == 1 ? (b >= second.lo && b <= second.hi) : is_continuation(b);
        if (!ok) return {0xFFFD, static_cast<std::uint8_t>(k), false};
        cp = (cp << 6) | (b & 0x3F);
    }
    return {cp, static_cast<std::uint8_t>(need + 1), true};
}

std::size_t utf8_cut(std::string_view s, std::size_t max) {
    if (max >= s.size()) return s.size();
    // Step back over at most three continuation bytes to the start of the sequence that
    // straddles the cut; if no lead byte starts it, the bytes are invalid anyway: cut at max.
    std::size_t n = max;
    for (int k = 0; k < 3 && n > 0 && is_continuation(static_cast<unsigned char>(s[n])); ++k) --n;
    return static_cast<unsigned char>(s[n]) >= 0xC0 ? n : max;
}

}  // namespace scamgate::text
