// Runs every SMS text decoder over the input. The first three bytes choose the packed 7-bit
// septet count (16 bits) and fill bits (0..7, so one value past TS 23.038's range); the rest is the
// text. Traps when an output is not valid UTF-8 or breaks a decoder's own promise.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sms/dcs.h"
#include "sms/text.h"
#include "fuzz_utf8.h"

namespace {

using namespace scamgate::sms;
using scamgate::ByteView;

// Valid UTF-8, at most `max_code_points` of them, and U+FFFD only when something was counted.
void check(const DecodedText& text, std::size_t max_code_points) {
    const auto code_points = scamgate::fuzz::utf8_code_points(text.utf8);
    if (!code_points) __builtin_trap();
    if (*code_points > max_code_points) __builtin_trap();
    if (text.replaced > *code_points) __builtin_trap();
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
