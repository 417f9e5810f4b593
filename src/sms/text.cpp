// Text decoders for SMS user data (3GPP TS 23.038 section 6, UCS-2, Latin-1, IA5, UTF-8). Every
// decoder writes valid UTF-8 and turns each undecodable unit into U+FFFD (counted in `replaced`,
// with its reason in `anomalies`).
#include "common/utf8.h"
#include "sms/text.h"

#include <algorithm>
#include <array>
#include <optional>

namespace scamgate::sms {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::uint8_t kEscape = 0x1B;

// TS 23.038 6.2.1: the GSM 7-bit default alphabet, septet -> Unicode. 0x1B (ESC) is handled by
// the decoder and never looked up here.
constexpr std::array<char32_t, 128> kGsm7Default{
    U'@',    U'\u00A3', U'$',      U'\u00A5', U'\u00E8', U'\u00E9', U'\u00F9', U'\u00EC',
    U'\u00F2', U'\u00C7', U'\n',   U'\u00D8', U'\u00F8', U'\r',     U'\u00C5', U'\u00E5',
    U'\u0394', U'_',    U'\u03A6', U'\u0393', U'\u039B', U'\u03A9', U'\u03A0', U'\u03A8',
    U'\u03A3', U'\u0398', U'\u039E', U' ',    U'\u00C6', U'\u00E6', U'\u00DF', U'\u00C9',
    U' ',    U'!',      U'"',      U'#',      U'\u00A4', U'%',      U'&',      U'\'',
    U'(',    U')',      U'*',      U'+',      U',',      U'-',      U'.',      U'/',
    U'0',    U'1',      U'2',      U'3',      U'4',      U'5',      U'6',      U'7',
    U'8',    U'9',      U':',      U';',      U'<',      U'=',      U'>',      U'?',
    U'\u00A1', U'A',    U'B',      U'C',      U'D',      U'E',      U'F',      U'G',
    U'H',    U'I',      U'J',      U'K',      U'L',      U'M',      U'N',      U'O',
    U'P',    U'Q',      U'R',      U'S',      U'T',      U'U',      U'V',      U'W',
    U'X',    U'Y',      U'Z',      U'\u00C4', U'\u00D6', U'\u00D1', U'\u00DC', U'\u00A7',
    U'\u00BF', U'a',    U'b',      U'c',      U'd',      U'e',      U'f',      U'g',
    U'h',    U'i',      U'j',      U'k',      U'l',      U'm',      U'n',      U'o',
    U'p',    U'q',      U'r',      U's',      U't',      U'u',      U'v',      U'w',
    U'x',    U'y',      U'z',      U'\u00E4', U'\u00F6', U'\u00F1', U'\u00FC', U'\u00E0',
};

// TS 23.038 6.2.1.1: the default alphabet extension table (the code after ESC). 0 = no character.
constexpr char32_t gsm7_extension(std::uint8_t code) {
    switch (code) {
        case 0x0A: return U'\f';
        case 0x14: return U'^';
        case 0x28: return U'{';
        case 0x29: return U'}';
        case 0x2F: return U'\\';
        case 0x3C: return U'[';
        case 0x3D: return U'~';
        case 0x3E: return U']';
        case 0x40: return U'|';
        case 0x65: return U'\u20AC';
        default: return 0;
    }
}

void set(SmsAnomalies& anomalies, SmsAnomaly anomaly) {
    anomalies.set(static_cast<std::size_t>(anomaly));
}


void replace(DecodedText& text, SmsAnomaly reason) {
    append_utf8(text.utf8, kReplacement);
    ++text.replaced;
    set(text.anomalies, reason);
}

// Turns a stream of septets into text. An ESC followed by a code that has no extension character
// becomes U+FFFD (gsm7_bad_escape) and the code is then read from the default table, which is
// what TS 23.038 6.2.1.1 tells a handset to display: the text keeps the visible characters. ESC
// ESC (reserved for another extension table) is one U+FFFD in all.
class Gsm7Decoder {
public:
    explicit Gsm7Decoder(DecodedText& out) : out_(out) {}

    void feed(std::uint8_t septet) {
        if (septet > 0x7F) {
            escaped_ = false;
            replace(out_, SmsAnomaly::gsm7_high_bit);
            return;
        }
        if (escaped_) {
            escaped_ = false;
            if (const char32_t ext = gsm7_extension(septet); ext != 0) {
                append_utf8(out_.utf8, ext);
                return;
            }
            replace(out_, SmsAnomaly::gsm7_bad_escape);
            if (septet == kEscape) return;
        }
        if (septet == kEscape) {
            escaped_ = true;
            return;
        }
        append_utf8(out_.utf8, kGsm7Default[septet]);
    }

    void finish() {
        if (escaped_) replace(out_, SmsAnomaly::gsm7_bad_escape);
        escaped_ = false;
    }

private:
    DecodedText& out_;
    bool escaped_ = false;
};

// Septet `index` of packed data after `fill_bits` bits; nullopt when it is not all in `octets`.
std::optional<std::uint8_t> packed_septet(ByteView octets, std::size_t index, unsigned fill_bits) {
    const std::size_t bit = std::size_t{fill_bits} + index * 7;
    const std::size_t first = bit / 8;
    const std::size_t last = (bit + 6) / 8;
    if (last >= octets.size()) return std::nullopt;
    const unsigned shift = static_cast<unsigned>(bit % 8);
    unsigned value = static_cast<unsigned>(octets[first]) >> shift;
    if (last != first) value |= static_cast<unsigned>(octets[last]) << (8 - shift);
    return static_cast<std::uint8_t>(value & 0x7F);
}

bool is_high_surrogate(std::uint16_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool is_low_surrogate(std::uint16_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

bool is_continuation(std::uint8_t byte) { return (byte & 0xC0) == 0x80; }

// Length of a UTF-8 sequence by its lead byte (0 for a byte that cannot start one) and the range
// allowed for its second byte (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
struct Utf8Lead {
    std::size_t length = 0;
    std::uint8_t second_min = 0x80;
    std::uint8_t second_max = 0xBF;
};

Utf8Lead utf8_lead(std::uint8_t byte) {
    if (byte < 0x80) return {1, 0x80, 0xBF};
    if (byte >= 0xC2 && byte <= 0xDF) return {2, 0x80, 0xBF};
    if (byte == 0xE0) return {3, 0xA0, 0xBF};
    if (byte == 0xED) return {3, 0x80, 0x9F};
    if (byte >= 0xE1 && byte <= 0xEF) return {3, 0x80, 0xBF};
    if (byte == 0xF0) return {4, 0x90, 0xBF};
    if (byte >= 0xF1 && byte <= 0xF3) return {4, 0x80, 0xBF};
    if (byte == 0xF4) return {4, 0x80, 0x8F};
    return {};
}

// The sequence at the start of `bytes`: its length when `valid`, otherwise the length of its
// maximal ill-formed subpart (Unicode 3.9, "U+FFFD substitution of maximal subparts"), which
// becomes one U+FFFD.
struct Utf8Step {
    std::size_t length = 1;
    bool valid = false;
};

Utf8Step utf8_step(ByteView bytes) {
    const Utf8Lead lead = utf8_lead(bytes[0]);
    if (lead.length == 0) return {1, false};
    if (lead.length == 1) return {1, true};
    std::size_t i = 1;
    if (i >= bytes.size() || bytes[i] < lead.second_min || bytes[i] > lead.second_max) return {1, false};
    for (++i; i < lead.length; ++i) {
        if (i >= bytes.size() || !is_continuation(bytes[i])) return {i, false};
    }
    return {lead.length, true};
}

}  // namespace

std::string_view encoding_name(Encoding encoding) {
    switch (encoding) {
        case Encoding::gsm7: return "gsm7";
        case Encoding::ascii: return "ascii";
        case Encoding::latin1: return "latin1";
        case Encoding::ucs2: return "ucs2";
        case Encoding::utf8: return "utf8";
        case Encoding::binary: return "binary";
        case Encoding::unknown: return "unknown";
    }
    return "unknown";
}

AnomalyInfo describe(SmsAnomaly anomaly) {
    static constexpr std::array<AnomalyInfo, static_cast<std::size_t>(SmsAnomaly::count_)> kInfo{{
        {"sms.gsm7_high_bit", "unpacked GSM 7-bit text has a byte with bit 7 set"},
        {"sms.gsm7_bad_escape", "GSM 7-bit ESC at the end of the text or before a code with no extension character"},
        {"sms.septets_past_data", "septet count needs more octets than the user data has"},
        {"sms.ucs2_odd_length", "UCS-2 text with an odd number of bytes"},
        {"sms.ucs2_unpaired_surrogate", "UCS-2 text with a high or low surrogate that is not part of a pair"},
        {"sms.ascii_high_byte", "IA5/ASCII text with a byte above 0x7F"},
        {"sms.utf8_invalid", "UTF-8 text with an ill-formed sequence"},
        {"sms.udh_empty", "UDHI set but there is no user data"},
        {"sms.udh_past_payload", "user data header (or one of its elements) runs past the user data"},
        {"sms.udh_bad_concat", "concatenation element with total 0, sequence 0, sequence above total or a bad length"},
        {"sms.tpdu_truncated", "a mandatory TPDU field (or the user data TP-UDL announces) is cut off"},
        {"sms.tpdu_bad_address", "TPDU address longer than TS 23.040 allows (20 semi-octets)"},
        {"sms.tpdu_unsupported_type", "TPDU type is not SMS-SUBMIT or SMS-DELIVER (report, command or reserved)"},
        {"sms.rp_truncated", "RP header, RP address or RP user data cut off"},
        {"sms.rp_unsupported_type", "RP message other than RP-DATA (RP-ACK, RP-ERROR, RP-SMMA carry no SMS)"},
    }};
    const auto index = static_cast<std::size_t>(anomaly);
    if (index >= kInfo.size()) return {"sms.unknown", "unknown SMS anomaly"};
    return kInfo[index];
}

DecodedText decode_gsm7_septets(ByteView septets) {
    DecodedText text;
    text.utf8.reserve(septets.size());
    Gsm7Decoder decoder(text);
    for (const std::uint8_t septet : septets) decoder.feed(septet);
    decoder.finish();
    return text;
}

DecodedText decode_gsm7_packed(ByteView octets, std::size_t septet_count, unsigned fill_bits) {
    DecodedText text;
    text.utf8.reserve(std::min(septet_count, octets.size() * 8 / 7 + 1));
    Gsm7Decoder decoder(text);
    for (std::size_t i = 0; i < septet_count; ++i) {
        const auto septet = packed_septet(octets, i, fill_bits);
        if (!septet) {
            set(text.anomalies, SmsAnomaly::septets_past_data);
            break;
        }
        decoder.feed(*septet);
    }
    decoder.finish();
    return text;
}

DecodedText decode_ucs2(ByteView bytes) {
    DecodedText text;
    text.utf8.reserve(bytes.size() * 3 / 2);
    const std::size_t units = bytes.size() / 2;
    std::size_t i = 0;
    while (i < units) {
        const std::uint16_t unit = load_be16(bytes.data() + 2 * i);
        ++i;
        if (is_high_surrogate(unit) && i < units) {
            const std::uint16_t next = load_be16(bytes.data() + 2 * i);
            if (is_low_surrogate(next)) {
                ++i;
                append_utf8(text.utf8, 0x10000 + ((char32_t{unit} - 0xD800) << 10) + (next - 0xDC00));
                continue;
            }
        }
        if (is_high_surrogate(unit) || is_low_surrogate(unit)) {
            replace(text, SmsAnomaly::ucs2_unpaired_surrogate);
            continue;
        }
        append_utf8(text.utf8, unit);
    }
    if (bytes.size() % 2 != 0) replace(text, SmsAnomaly::ucs2_odd_length);
    return text;
}

DecodedText decode_latin1(ByteView bytes) {
    DecodedText text;
    text.utf8.reserve(bytes.size());
    for (const std::uint8_t byte : bytes) append_utf8(text.utf8, byte);
    return text;
}

DecodedText decode_ascii(ByteView bytes) {
    DecodedText text;
    text.utf8.reserve(bytes.size());
    for (const std::uint8_t byte : bytes) {
        if (byte > 0x7F) {
            replace(text, SmsAnomaly::ascii_high_byte);
        } else {
            text.utf8.push_back(static_cast<char>(byte));
        }
    }
    return text;
}

DecodedText decode_utf8(ByteView bytes) {
    DecodedText text;
    text.utf8.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        const Utf8Step step = utf8_step(bytes.subspan(i));
        if (step.valid) {
            text.utf8.append(as_text(bytes.subspan(i, step.length)));
        } else {
            replace(text, SmsAnomaly::utf8_invalid);
        }
        i += step.length;
    }
    return text;
}

DecodedText decode_text(Encoding encoding, ByteView bytes) {
    switch (encoding) {
        case Encoding::gsm7: return decode_gsm7_septets(bytes);
        case Encoding::ascii: return decode_ascii(bytes);
        case Encoding::latin1: return decode_latin1(bytes);
        case Encoding::ucs2: return decode_ucs2(bytes);
        case Encoding::utf8: return decode_utf8(bytes);
        case Encoding::binary:
        case Encoding::unknown: return {};
    }
    return {};
}

std::string to_hex(ByteView bytes) {
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t byte : bytes) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0F]);
    }
    return out;
}

}  // namespace scamgate::sms
