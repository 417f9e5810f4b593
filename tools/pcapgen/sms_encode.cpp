// SMS encoders (see sms_encode.h for the specification references).
#include "pcapgen/sms_encode.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace scamgate::pcapgen::sms {
namespace {

// TS 23.038 6.2.1: the GSM 7-bit default alphabet, indexed by septet. 0x1B is the escape to the
// extension table (mapped to U+001B here only as a placeholder; it is never looked up).
constexpr std::array<char32_t, 128> kGsmBasic{
    U'@',    U'£',    U'$',    U'¥',    U'è',    U'é',    U'ù',    U'ì',
    U'ò',    U'Ç',    U'\n',   U'Ø',    U'ø',    U'\r',   U'Å',    U'å',
    U'Δ',    U'_',    U'Φ',    U'Γ',    U'Λ',    U'Ω',    U'Π',    U'Ψ',
    U'Σ',    U'Θ',    U'Ξ',    0x1B,    U'Æ',    U'æ',    U'ß',    U'É',
    U' ',    U'!',    U'"',    U'#',    U'¤',    U'%',    U'&',    U'\'',
    U'(',    U')',    U'*',    U'+',    U',',    U'-',    U'.',    U'/',
    U'0',    U'1',    U'2',    U'3',    U'4',    U'5',    U'6',    U'7',
    U'8',    U'9',    U':',    U';',    U'<',    U'=',    U'>',    U'?',
    U'¡',    U'A',    U'B',    U'C',    U'D',    U'E',    U'F',    U'G',
    U'H',    U'I',    U'J',    U'K',    U'L',    U'M',    U'N',    U'O',
    U'P',    U'Q',    U'R',    U'S',    U'T',    U'U',    U'V',    U'W',
    U'X',    U'Y',    U'Z',    U'Ä',    U'Ö',    U'Ñ',    U'Ü',    U'§',
    U'¿',    U'a',    U'b',    U'c',    U'd',    U'e',    U'f',    U'g',
    U'h',    U'i',    U'j',    U'k',    U'l',    U'm',    U'n',    U'o',
    U'p',    U'q',    U'r',    U's',    U't',    U'u',    U'v',    U'w',
    U'x',    U'y',    U'z',    U'ä',    U'ö',    U'ñ',    U'ü',    U'à',
};

// TS 23.038 6.2.1.1: the default extension table (after ESC), the characters it defines.
struct Extension {
    char32_t ch;
    std::uint8_t code;
};
constexpr std::array<Extension, 10> kGsmExtension{{
    {U'\f', 0x0A}, {U'^', 0x14}, {U'{', 0x28}, {U'}', 0x29}, {U'\\', 0x2F},
    {U'[', 0x3C},  {U'~', 0x3D}, {U']', 0x3E}, {U'|', 0x40}, {U'€', 0x65},
}};

bool gsm7_lookup(char32_t ch, std::vector<std::uint8_t>* out) {
    for (std::size_t i = 0; i < kGsmBasic.size(); ++i) {
        if (i != 0x1B && kGsmBasic[i] == ch) {
            if (out) out->push_back(static_cast<std::uint8_t>(i));
            return true;
        }
    }
    for (const Extension& e : kGsmExtension) {
        if (e.ch == ch) {
            if (out) out->insert(out->end(), {std::uint8_t{0x1B}, e.code});
            return true;
        }
    }
    return false;
}

std::uint8_t bcd_swapped(int value) {  // two decimal digits, low-order digit first on the wire
    return static_cast<std::uint8_t>(((value % 10) << 4) | ((value / 10) % 10));
}

// Digits as semi-octets, first digit in the low nibble, odd count padded with F.
Bytes bcd_digits(std::string_view digits) {
    Bytes out;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        auto nibble = [](char c) -> std::uint8_t {
            if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
            if (c == '*') return 0xA;
            if (c == '#') return 0xB;
            throw std::invalid_argument(std::string("not a BCD digit: ") + c);
        };
        const std::uint8_t lo = nibble(digits[i]);
        const std::uint8_t hi = i + 1 < digits.size() ? nibble(digits[i + 1]) : 0xF;
        out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
    }
    return out;
}

std::uint8_t type_of_address(std::uint8_t ton, std::uint8_t npi) {
    return static_cast<std::uint8_t>(0x80 | ((ton & 0x7) << 4) | (npi & 0xF));
}

}  // namespace

std::u32string utf8_decode(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<std::uint8_t>(s[i]);
        int extra = 0;
        char32_t cp = 0;
        if (b < 0x80) cp = b;
        else if ((b & 0xE0) == 0xC0) { cp = b & 0x1F; extra = 1; }
        else if ((b & 0xF0) == 0xE0) { cp = b & 0x0F; extra = 2; }
        else if ((b & 0xF8) == 0xF0) { cp = b & 0x07; extra = 3; }
        else throw std::invalid_argument("invalid UTF-8 lead byte");
        if (i + static_cast<std::size_t>(extra) >= s.size())
            throw std::invalid_argument("truncated UTF-8");
        for (int k = 1; k <= extra; ++k) {
            const auto c = static_cast<std::uint8_t>(s[i + static_cast<std::size_t>(k)]);
            if ((c & 0xC0) != 0x80) throw std::invalid_argument("invalid UTF-8 continuation");
            cp = (cp << 6) | (c & 0x3F);
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

std::string utf8_encode(std::u32string_view text) {
    std::string out;
    for (char32_t cp : text) {
        if (cp < 0x80) out.push_back(static_cast<char>(cp));
        else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

std::vector<std::uint8_t> gsm7_septets(std::string_view utf8) {
    std::vector<std::uint8_t> out;
    for (char32_t ch : utf8_decode(utf8))
        if (!gsm7_lookup(ch, &out))
            throw std::invalid_argument("character U+" + std::to_string(static_cast<std::uint32_t>(ch)) +
                                        " is not in the GSM 7-bit alphabet");
    return out;
}

bool gsm7_encodable(std::string_view utf8) {
    for (char32_t ch : utf8_decode(utf8))
        if (!gsm7_lookup(ch, nullptr)) return false;
    return true;
}

std::string gsm7_decode(const std::vector<std::uint8_t>& septets) {
    std::u32string text;
    for (std::size_t i = 0; i < septets.size(); ++i) {
        if (septets[i] != 0x1B) {
            text.push_back(kGsmBasic[septets[i] & 0x7F]);
            continue;
        }
        if (++i == septets.size()) throw std::invalid_argument("ESC at the end of the septets");
        bool found = false;
        for (const Extension& e : kGsmExtension)
            if (e.code == septets[i]) { text.push_back(e.ch); found = true; }
        if (!found) throw std::invalid_argument("ESC + unknown extension code");
    }
    return utf8_encode(text);
}

Bytes pack_septets(const std::vector<std::uint8_t>& septets, unsigned fill_bits) {
    if (fill_bits > 6) throw std::invalid_argument("fill bits must be 0..6");
    const std::size_t bits = fill_bits + 7 * septets.size();
    Bytes out((bits + 7) / 8, 0);
    std::size_t bit = fill_bits;
    for (std::uint8_t s : septets) {
        const unsigned v = s & 0x7Fu;
        const std::size_t at = bit / 8, shift = bit % 8;
        out[at] = static_cast<std::uint8_t>(out[at] | (v << shift));
        if (shift > 1) out[at + 1] = static_cast<std::uint8_t>(out[at + 1] | (v >> (8 - shift)));
        bit += 7;
    }
    return out;
}

Bytes ucs2_be(std::string_view utf8) {
    Bytes out;
    auto unit = [&out](std::uint32_t u) {
        out.push_back(static_cast<std::uint8_t>(u >> 8));
        out.push_back(static_cast<std::uint8_t>(u));
    };
    for (char32_t cp : utf8_decode(utf8)) {
        if (cp >= 0x10000) {
            const std::uint32_t v = static_cast<std::uint32_t>(cp) - 0x10000;
            unit(0xD800 + (v >> 10));
            unit(0xDC00 + (v & 0x3FF));
        } else {
            unit(static_cast<std::uint32_t>(cp));
        }
    }
    return out;
}

Bytes latin1(std::string_view utf8) {
    Bytes out;
    for (char32_t cp : utf8_decode(utf8)) {
        if (cp > 0xFF) throw std::invalid_argument("character outside Latin-1");
        out.push_back(static_cast<std::uint8_t>(cp));
    }
    return out;
}

Bytes ia5(std::string_view utf8) {
    Bytes out;
    for (char32_t cp : utf8_decode(utf8)) {
        if (cp > 0x7F) throw std::invalid_argument("character outside IA5");
        out.push_back(static_cast<std::uint8_t>(cp));
    }
    return out;
}

std::size_t utf16_units(std::string_view utf8) { return ucs2_be(utf8).size() / 2; }

Bytes udh_concat(std::uint16_t ref, bool ref16, std::uint8_t total, std::uint8_t seq) {
    if (ref16)
        return {0x06, 0x08, 0x04, static_cast<std::uint8_t>(ref >> 8), static_cast<std::uint8_t>(ref), total, seq};
    return {0x05, 0x00, 0x03, static_cast<std::uint8_t>(ref), total, seq};
}

unsigned fill_bits_after(std::size_t udh_octets) {
    return static_cast<unsigned>((7 - (udh_octets * 8) % 7) % 7);
}

std::vector<std::vector<std::uint8_t>> split_septets(const std::vector<std::uint8_t>& septets, std::size_t max) {
    std::vector<std::vector<std::uint8_t>> parts;
    std::size_t at = 0;
    while (at < septets.size()) {
        std::size_t end = std::min(septets.size(), at + max);
        if (end < septets.size() && septets[end - 1] == 0x1B) --end;  // keep ESC with its character
        parts.emplace_back(septets.begin() + static_cast<std::ptrdiff_t>(at),
                           septets.begin() + static_cast<std::ptrdiff_t>(end));
        at = end;
    }
    return parts;
}

std::vector<Bytes> split_ucs2(const Bytes& ucs2, std::size_t max_octets) {
    std::vector<Bytes> parts;
    max_octets &= ~std::size_t{1};
    std::size_t at = 0;
    while (at < ucs2.size()) {
        std::size_t end = std::min(ucs2.size(), at + max_octets);
        if (end < ucs2.size() && (ucs2[end - 2] & 0xFC) == 0xD8) end -= 2;  // high surrogate stays with its pair
        parts.emplace_back(ucs2.begin() + static_cast<std::ptrdiff_t>(at), ucs2.begin() + static_cast<std::ptrdiff_t>(end));
        at = end;
    }
    return parts;
}

Bytes tp_address(const TpAddress& a) {
    Bytes out;
    if (a.ton == 5) {
        const std::vector<std::uint8_t> septets = gsm7_septets(a.value);
        const Bytes packed = pack_septets(septets);
        const std::size_t semi_octets = (septets.size() * 7 + 3) / 4;  // useful semi-octets
        if (packed.size() > 10) throw std::invalid_argument("alphanumeric address longer than 11 characters");
        out.push_back(static_cast<std::uint8_t>(semi_octets));
        out.push_back(type_of_address(5, a.npi));
        out.insert(out.end(), packed.begin(), packed.end());
        return out;
    }
    if (a.value.size() > 20) throw std::invalid_argument("address longer than 20 digits");
    out.push_back(static_cast<std::uint8_t>(a.value.size()));
    out.push_back(type_of_address(a.ton, a.npi));
    const Bytes digits = bcd_digits(a.value);
    out.insert(out.end(), digits.begin(), digits.end());
    return out;
}

Bytes tp_user_data(const UserData& ud) {
    Bytes out;
    const bool seven_bit = (ud.dcs & 0x0C) == 0x00 && (ud.dcs & 0xC0) == 0x00;
    if (seven_bit) {
        const unsigned fill = ud.udh.empty() ? 0 : fill_bits_after(ud.udh.size());
        const std::size_t udl = (ud.udh.size() * 8 + fill) / 7 + ud.septets.size();
        if (udl > 160) throw std::invalid_argument("7-bit user data longer than 160 septets");
        out.push_back(static_cast<std::uint8_t>(udl));
        out.insert(out.end(), ud.udh.begin(), ud.udh.end());
        const Bytes packed = pack_septets(ud.septets, fill);
        out.insert(out.end(), packed.begin(), packed.end());
    } else {
        const std::size_t udl = ud.udh.size() + ud.octets.size();
        if (udl > 140) throw std::invalid_argument("user data longer than 140 octets");
        out.push_back(static_cast<std::uint8_t>(udl));
        out.insert(out.end(), ud.udh.begin(), ud.udh.end());
        out.insert(out.end(), ud.octets.begin(), ud.octets.end());
    }
    return out;
}

Bytes sms_submit(const SmsSubmit& s) {
    // TP-MTI 01, TP-RD bit 2, TP-VPF 10 (relative) bits 3-4, TP-SRR bit 5, TP-UDHI bit 6.
    std::uint8_t first = 0x01 | 0x10;
    if (s.reject_duplicates) first |= 0x04;
    if (s.status_report) first |= 0x20;
    if (!s.user_data.udh.empty()) first |= 0x40;
    Bytes out{first, s.message_reference};
    const Bytes da = tp_address(s.destination);
    out.insert(out.end(), da.begin(), da.end());
    out.push_back(s.pid);
    out.push_back(s.user_data.dcs);
    out.push_back(s.relative_validity);
    const Bytes ud = tp_user_data(s.user_data);
    out.insert(out.end(), ud.begin(), ud.end());
    return out;
}

Bytes sms_deliver(const SmsDeliver& d) {
    // TP-MTI 00, TP-MMS bit 2 (1 = no more messages waiting), TP-UDHI bit 6.
    std::uint8_t first = 0x00;
    if (!d.more_messages) first |= 0x04;
    if (!d.user_data.udh.empty()) first |= 0x40;
    Bytes out{first};
    const Bytes oa = tp_address(d.originator);
    out.insert(out.end(), oa.begin(), oa.end());
    out.push_back(d.pid);
    out.push_back(d.user_data.dcs);
    for (int v : {d.year, d.month, d.day, d.hour, d.minute, d.second}) out.push_back(bcd_swapped(v));
    // TS 23.040 9.2.3.11: quarter hours in swapped semi-octets, bit 3 of the first octet = negative.
    const int q = d.tz_quarters < 0 ? -d.tz_quarters : d.tz_quarters;
    out.push_back(static_cast<std::uint8_t>(bcd_swapped(q) | (d.tz_quarters < 0 ? 0x08 : 0x00)));
    const Bytes ud = tp_user_data(d.user_data);
    out.insert(out.end(), ud.begin(), ud.end());
    return out;
}

Bytes rp_address(std::string_view digits, std::uint8_t ton, std::uint8_t npi) {
    if (digits.empty()) return {0x00};
    const Bytes bcd = bcd_digits(digits);
    Bytes out{static_cast<std::uint8_t>(1 + bcd.size()), type_of_address(ton, npi)};
    out.insert(out.end(), bcd.begin(), bcd.end());
    return out;
}

namespace {
Bytes rp_data(std::uint8_t mti, std::uint8_t mr, const Bytes& oa, const Bytes& da, const Bytes& tpdu) {
    if (tpdu.size() > 232) throw std::invalid_argument("RP-User-Data longer than 232 octets");
    Bytes out{mti, mr};
    out.insert(out.end(), oa.begin(), oa.end());
    out.insert(out.end(), da.begin(), da.end());
    out.push_back(static_cast<std::uint8_t>(tpdu.size()));
    out.insert(out.end(), tpdu.begin(), tpdu.end());
    return out;
}
}  // namespace

Bytes rp_data_ms_to_network(std::uint8_t mr, std::string_view smsc_digits, const Bytes& tpdu) {
    return rp_data(0x00, mr, rp_address({}), rp_address(smsc_digits), tpdu);
}

Bytes rp_data_network_to_ms(std::uint8_t mr, std::string_view smsc_digits, const Bytes& tpdu) {
    return rp_data(0x01, mr, rp_address(smsc_digits), rp_address({}), tpdu);
}

Bytes rp_ack(std::uint8_t mr, bool from_ms) { return {static_cast<std::uint8_t>(from_ms ? 0x02 : 0x03), mr}; }

}  // namespace scamgate::pcapgen::sms
