// Runs every SMS text decoder over the input. The first three bytes choose the packed 7-bit
// septet count (16 bits) and fill bits (0..7, so one value past TS 23.038's range); the rest is the
// text. Traps when an output is not valid UTF-8 or breaks a decoder's own promise.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sms/dcs.h"
#include "sms/text.h"

namespace {

using namespace scamgate::sms;
using scamgate::ByteView;

// Strict UTF-8 (RFC 3629), written independently of the decoder under test; counts code points.
bool valid_utf8(std::string_view s, std::size_t& code_points) {
    code_points = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (b < 0x80) { n = 1; cp = b; }
        else if ((b & 0xE0) == 0xC0) { n = 2; cp = b & 0x1F; }
        else if ((b & 0xF0) == 0xE0) { n = 3; cp = b & 0x0F; }
        else if ((b & 0xF8) == 0xF0) { n = 4; cp = b & 0x07; }
        else return false;
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
        ++code_points;
    }
    return true;
}

// Valid UTF-8, at most `max_code_points` of them, and U+FFFD only when something was counted.
void check(const DecodedText& text, std::size_t max_code_points) {
    std::size_t code_points = 0;
    if (!valid_utf8(text.utf8, code_points)) __builtin_trap();
    if (code_points > max_code_points) __builtin_trap();
    if (text.replaced > code_points) __builtin_trap();
    if (text.replaced > 0 && text.anomalies.none()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A copy of exactly `size` bytes, so ASan sees any read past the end.
    const std::vector<std::uint8_t> input(data, data + size);
    const ByteView all(input);
    check(decode_gsm7_septets(all), size);
    check(decode_ucs2(all), size / 2 + 1);
    check(decode_latin1(all), size);
    check(decode_ascii(all), size);
    const auto utf8 = decode_utf8(all);
    check(utf8, size);
    if (utf8.anomalies.none() && utf8.utf8 != scamgate::as_text(all)) __builtin_trap();
    for (unsigned e = 0; e <= static_cast<unsigned>(Encoding::unknown); ++e) {
        check(decode_text(static_cast<Encoding>(e), all), size);
    }
    if (to_hex(all).size() != 2 * size) __builtin_trap();
    if (size > 0) {
        (void)interpret_tp_dcs(input[0]);
        (void)interpret_smpp_data_coding(input[0], Encoding::gsm7);
    }
    if (size < 3) return 0;
    const std::size_t septets = std::size_t{input[0]} | (std::size_t{input[1]} << 8);
    const unsigned fill = input[2] & 0x07;
    const std::vector<std::uint8_t> packed(input.begin() + 3, input.end());
    const auto text = decode_gsm7_packed(packed, septets, fill);
    check(text, septets);
    // Not enough bits for the septets asked for <=> septets_past_data (no septets: never short).
    const bool short_data = septets > 0 && fill + 7 * septets > 8 * packed.size();
    if (short_data != text.anomalies.test(static_cast<std::size_t>(SmsAnomaly::septets_past_data))) __builtin_trap();
    return 0;
}
