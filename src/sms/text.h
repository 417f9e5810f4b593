#pragma once
// Text decoders for SMS user data: GSM 03.38 / 3GPP TS 23.038 default alphabet (unpacked septets
// as SMPP carries them, and packed 7-bit as TPDUs carry them), IA5/ASCII, Latin-1, UCS-2
// (read as UTF-16BE, surrogate pairs joined) and UTF-8. Output is always valid UTF-8; every unit
// that cannot be decoded becomes U+FFFD and is counted, never thrown.
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/anomaly.h"
#include "common/bytes.h"

namespace scamgate::sms {

enum class Encoding : std::uint8_t { gsm7, ascii, latin1, ucs2, utf8, binary, unknown };

// Stable names used in events: "gsm7", "ascii", "latin1", "ucs2", "utf8", "binary", "unknown".
std::string_view encoding_name(Encoding encoding);

// Problems found while decoding SMS bytes; counted by the pipeline as anomaly.<name>.
enum class SmsAnomaly : std::uint8_t {
    gsm7_high_bit,          // unpacked septet with bit 7 set
    gsm7_bad_escape,        // ESC at the end, or ESC + a code with no extension character
    septets_past_data,      // septet count needs more octets than the user data has
    ucs2_odd_length,        // UCS-2 text with an odd number of bytes
    ucs2_unpaired_surrogate,
    ascii_high_byte,        // IA5 byte above 0x7F
    utf8_invalid,
    udh_empty,              // UDHI set but no user data
    udh_past_payload,       // UDHL (or an element's length) runs past the user data
    udh_bad_concat,         // concatenation element with total 0, sequence 0 or sequence > total
    tpdu_truncated,         // a mandatory TPDU field is cut off
    tpdu_bad_address,       // address length beyond the limits of TS 23.040 9.1.2.5
    tpdu_unsupported_type,  // TP-MTI not SMS-SUBMIT / SMS-DELIVER (e.g. status report, command)
    rp_truncated,           // RP header or an RP address cut off (TS 24.011 7.3)
    rp_unsupported_type,    // RP-MTI other than RP-DATA (RP-ACK, RP-ERROR, RP-SMMA are not SMS)
    count_
};
AnomalyInfo describe(SmsAnomaly anomaly);  // names "sms.gsm7_high_bit", ..., "sms.rp_truncated"

using SmsAnomalies = std::bitset<static_cast<std::size_t>(SmsAnomaly::count_)>;

struct DecodedText {
    std::string utf8;
    std::uint32_t replaced = 0;  // units that became U+FFFD
    SmsAnomalies anomalies;
};

// One septet per octet (SMPP data_coding 0 with the GSM default alphabet). ESC (0x1B) selects the
// extension table (€ [ ] { } ~ \ ^ | and form feed).
DecodedText decode_gsm7_septets(ByteView septets);
// Packed 7-bit (TS 23.038 6.1.2.1): `septet_count` septets starting after `fill_bits` (0..6) bits
// of padding. Septets past the end of `octets` are not invented: decoding stops and
// septets_past_data is set.
DecodedText decode_gsm7_packed(ByteView octets, std::size_t septet_count, unsigned fill_bits);
DecodedText decode_ucs2(ByteView bytes);
DecodedText decode_latin1(ByteView bytes);
DecodedText decode_ascii(ByteView bytes);
DecodedText decode_utf8(ByteView bytes);
// Dispatch for the byte-aligned encodings (gsm7 here means one septet per octet). binary and
// unknown give an empty text.
DecodedText decode_text(Encoding encoding, ByteView bytes);

// Lower-case hex, no separators.
std::string to_hex(ByteView bytes);

}  // namespace scamgate::sms
