#pragma once
// SMS encoders for the generator, written from the specifications and independent of src/sms so
// the generated captures cross-check the decoders:
//   - GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 6.2.1, 6.2.1.1),
//     septet packing with fill bits (TS 23.038 6.1.2.1, TS 23.040 9.2.3.24)
//   - UCS-2 / UTF-16BE (surrogate pairs for code points above U+FFFF), Latin-1, IA5
//   - User Data Header concatenation elements (TS 23.040 9.2.3.24.1 and .8)
//   - TPDUs: SMS-SUBMIT and SMS-DELIVER (TS 23.040 9.2.2.1, 9.2.2.2), addresses in semi-octets or
//     alphanumeric (TON 5, TS 23.040 9.1.2.5)
//   - RP-DATA, RP-ACK (TS 24.011 7.3.1, 7.3.3, 8.2)
// Everything here is test code: text a chosen encoding cannot carry throws std::invalid_argument.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapgen/packet_builder.h"

namespace scamgate::pcapgen::sms {

// UTF-8 to code points; throws on invalid UTF-8.
std::u32string utf8_decode(std::string_view utf8);
std::string utf8_encode(std::u32string_view text);

// GSM 7-bit default alphabet: one septet per character, two (ESC 0x1B + code) for the extension
// table characters. Throws when a character is in neither table.
std::vector<std::uint8_t> gsm7_septets(std::string_view utf8);
bool gsm7_encodable(std::string_view utf8);
// The inverse of gsm7_septets (for expected texts of partial messages); throws on a bad escape.
std::string gsm7_decode(const std::vector<std::uint8_t>& septets);
// Packs septets LSB first after `fill_bits` zero bits (0..6): ceil((fill + 7n) / 8) octets.
Bytes pack_septets(const std::vector<std::uint8_t>& septets, unsigned fill_bits = 0);

Bytes ucs2_be(std::string_view utf8);   // UTF-16BE; code points above U+FFFF as surrogate pairs
Bytes latin1(std::string_view utf8);    // throws above U+00FF
Bytes ia5(std::string_view utf8);       // throws above U+007F

// UTF-16 code units in a text (a surrogate pair counts 2).
std::size_t utf16_units(std::string_view utf8);

// Concatenated-SMS UDH including the UDHL octet: 05 00 03 ref total seq (8-bit reference) or
// 06 08 04 ref_hi ref_lo total seq (16-bit reference).
Bytes udh_concat(std::uint16_t ref, bool ref16, std::uint8_t total, std::uint8_t seq);
// Fill bits needed after a UDH of `udh_octets` octets (UDHL included) so septets start on a
// septet boundary.
unsigned fill_bits_after(std::size_t udh_octets);

// Splits a septet string into parts of at most `max` septets without separating ESC from the
// character it escapes.
std::vector<std::vector<std::uint8_t>> split_septets(const std::vector<std::uint8_t>& septets, std::size_t max);
// Splits UTF-16BE bytes into parts of at most `max_octets` octets without splitting a surrogate pair.
std::vector<Bytes> split_ucs2(const Bytes& ucs2, std::size_t max_octets);

// ---- TPDU (TS 23.040) -----------------------------------------------------------------------

struct TpAddress {
    std::string value{};        // digits (no '+'), or the alphanumeric text when ton == 5
    std::uint8_t ton = 1;     // 1 international, 2 national, 5 alphanumeric
    std::uint8_t npi = 1;     // 1 ISDN/E.164, 0 for alphanumeric
};
// Address-Length (useful semi-octets), Type-of-Address, value (BCD, F-padded, or packed GSM 7-bit).
Bytes tp_address(const TpAddress& a);

// User data as it goes into a TPDU: TP-DCS decides the unit of TP-UDL.
struct UserData {
    std::uint8_t dcs = 0x00;                 // 0x00 GSM 7-bit, 0x04 8-bit data, 0x08 UCS-2
    Bytes udh{};                               // empty, or a full UDH including UDHL
    std::vector<std::uint8_t> septets{};       // for 7-bit
    Bytes octets{};                            // for 8-bit and UCS-2
};
// TP-UDL followed by TP-UD (7-bit: UDH, fill bits, packed septets; TP-UDL counts septets
// including the UDH's).
Bytes tp_user_data(const UserData& ud);

struct SmsSubmit {
    std::uint8_t message_reference = 0;
    TpAddress destination{};
    std::uint8_t pid = 0x00;
    UserData user_data{};
    bool status_report = false;
    bool reject_duplicates = false;
    std::uint8_t relative_validity = 0xA7;  // TP-VPF relative; 0xA7 = 24 hours
};
Bytes sms_submit(const SmsSubmit& s);

struct SmsDeliver {
    TpAddress originator{};
    std::uint8_t pid = 0x00;
    UserData user_data{};
    // TP-SCTS as decimal fields; timezone in quarter hours east of UTC.
    int year = 26, month = 1, day = 15, hour = 15, minute = 0, second = 0, tz_quarters = 28;
    bool more_messages = false;
};
Bytes sms_deliver(const SmsDeliver& d);

// ---- RP (TS 24.011) -------------------------------------------------------------------------

// RP address element value: length octet (0 for an absent address), TOA, BCD digits.
Bytes rp_address(std::string_view digits, std::uint8_t ton = 1, std::uint8_t npi = 1);
// RP-DATA MS->network (MTI 0): RP-OA empty, RP-DA the service centre.
Bytes rp_data_ms_to_network(std::uint8_t mr, std::string_view smsc_digits, const Bytes& tpdu);
// RP-DATA network->MS (MTI 1): RP-OA the service centre, RP-DA empty.
Bytes rp_data_network_to_ms(std::uint8_t mr, std::string_view smsc_digits, const Bytes& tpdu);
// RP-ACK: MTI 2 (MS->network) or 3 (network->MS), no user data.
Bytes rp_ack(std::uint8_t mr, bool from_ms);

}  // namespace scamgate::pcapgen::sms
