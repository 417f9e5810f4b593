// SMS-SUBMIT and SMS-DELIVER (3GPP TS 23.040 9.2.2) and RP-DATA (3GPP TS 24.011 7.3.1). Every
// length comes from the sender and is checked against the bytes that are really there.
#include "sms/tpdu.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace scamgate::sms {
namespace {

constexpr std::size_t kMaxAddressSemiOctets = 20;  // TS 23.040 9.1.2.5: 2..12 octets in all
constexpr std::uint8_t kMtiDeliver = 0;
constexpr std::uint8_t kMtiSubmit = 1;
constexpr std::uint8_t kUdhi = 0x40;
constexpr std::uint8_t kReplyPath = 0x80;
constexpr std::uint8_t kStatusReport = 0x20;  // TP-SRR (submit), TP-SRI (deliver)
constexpr std::size_t kTimestampOctets = 7;   // TP-SCTS, and TP-VP in its enhanced/absolute forms

void set(SmsAnomalies& anomalies, SmsAnomaly anomaly) {
    anomalies.set(static_cast<std::size_t>(anomaly));
}

// TS 23.040 9.1.2.3: semi-octets, low nibble first; 1111 is a filler and is skipped.
std::string semi_octet_digits(ByteView octets, std::size_t semi_octets) {
    static constexpr std::string_view kDigits = "0123456789*#abc";
    std::string out;
    out.reserve(semi_octets);
    for (std::size_t i = 0; i < semi_octets && i / 2 < octets.size(); ++i) {
        const std::uint8_t octet = octets[i / 2];
        const std::uint8_t nibble = (i % 2 == 0) ? (octet & 0x0F) : (octet >> 4);
        if (nibble < kDigits.size()) out.push_back(kDigits[nibble]);
    }
    return out;
}

Address address_from(std::uint8_t type_of_address) {
    Address address;
    address.ton = static_cast<std::uint8_t>((type_of_address >> 4) & 0x07);
    address.npi = static_cast<std::uint8_t>(type_of_address & 0x0F);
    return address;
}

// TP-OA / TP-DA (TS 23.040 9.1.2.5): length in useful semi-octets, type of address, value.
// Alphanumeric addresses (TON 5) are packed GSM 7-bit: length * 4 / 7 septets.
std::optional<Address> read_tp_address(ByteReader& reader, SmsAnomalies& anomalies) {
    const auto length = reader.u8();
    const auto type = reader.u8();
    if (!length || !type) {
        set(anomalies, SmsAnomaly::tpdu_truncated);
        return std::nullopt;
    }
    if (*length > kMaxAddressSemiOctets) {
        set(anomalies, SmsAnomaly::tpdu_bad_address);
        return std::nullopt;
    }
    const auto value = reader.take((std::size_t{*length} + 1) / 2);
    if (!value) {
        set(anomalies, SmsAnomaly::tpdu_truncated);
        return std::nullopt;
    }
    Address address = address_from(*type);
    if (address.alphanumeric()) {
        DecodedText text = decode_gsm7_packed(*value, std::size_t{*length} * 4 / 7, 0);
        anomalies |= text.anomalies;
        address.value = std::move(text.utf8);
    } else {
        address.value = semi_octet_digits(*value, *length);
    }
    return address;
}

// RP-OA / RP-DA (TS 24.011 8.2.5.1, 8.2.5.2): length in octets, then (when not 0) the type of
// address and BCD digits.
std::optional<Address> read_rp_address(ByteReader& reader, SmsAnomalies& anomalies) {
    const auto length = reader.u8();
    const auto value = length ? reader.take(*length) : std::nullopt;
    if (!value) {
        set(anomalies, SmsAnomaly::rp_truncated);
        return std::nullopt;
    }
    if (value->empty()) return Address{};
    Address address = address_from((*value)[0]);
    address.value = semi_octet_digits(value->subspan(1), (value->size() - 1) * 2);
    return address;
}

// The text starts at the next septet boundary after the header (TS 23.040 9.2.3.24): the header
// takes ceil(octets * 8 / 7) septets of TP-UDL and `fill` bits pad it out.
void decode_packed_body(Tpdu& tpdu, ByteView body, std::size_t header_octets) {
    const std::size_t header_septets = (header_octets * 8 + 6) / 7;
    const auto fill = static_cast<unsigned>((7 - (header_octets * 8) % 7) % 7);
    if (header_septets > tpdu.user_data_length) {
        set(tpdu.anomalies, SmsAnomaly::udh_past_payload);
        return;
    }
    tpdu.text = decode_gsm7_packed(body, tpdu.user_data_length - header_septets, fill);
}

// TP-UD (TS 23.040 9.2.3.24): TP-UDL counts septets for uncompressed 7-bit text and octets
// otherwise. Bytes past TP-UDL are ignored; missing ones are flagged and not invented.
void decode_user_data(Tpdu& tpdu, ByteView rest, bool udhi) {
    const bool septets = tpdu.coding.encoding == Encoding::gsm7 && !tpdu.coding.compressed;
    const std::size_t udl = tpdu.user_data_length;
    const std::size_t wanted = septets ? (udl * 7 + 7) / 8 : udl;
    if (!septets && wanted > rest.size()) set(tpdu.anomalies, SmsAnomaly::tpdu_truncated);
    const ByteView user_data = rest.first(std::min(wanted, rest.size()));
    std::size_t header_octets = 0;
    if (udhi) {
        UdhResult udh = parse_udh(user_data);
        tpdu.anomalies |= udh.anomalies;
        if (!udh.udh) {
            tpdu.binary_hex = to_hex(user_data);
            return;
        }
        header_octets = udh.udh->length;
        tpdu.udh = std::move(udh.udh);
    }
    const ByteView body = user_data.subspan(header_octets);
    if (septets) {
        decode_packed_body(tpdu, body, header_octets);
    } else if (tpdu.coding.encoding == Encoding::ucs2 && !tpdu.coding.compressed) {
        tpdu.text = decode_ucs2(body);
    } else {
        tpdu.binary_hex = to_hex(body);
    }
    tpdu.anomalies |= tpdu.text.anomalies;
}

// TP-PID, TP-DCS, `skip` octets (TP-VP or TP-SCTS), TP-UDL, TP-UD.
bool read_tail(ByteReader& reader, Tpdu& tpdu, std::size_t skip, bool udhi) {
    const auto pid = reader.u8();
    const auto dcs = reader.u8();
    const bool skipped = dcs && reader.skip(skip);
    const auto udl = skipped ? reader.u8() : std::nullopt;
    if (!pid || !udl) {
        set(tpdu.anomalies, SmsAnomaly::tpdu_truncated);
        return false;
    }
    tpdu.protocol_id = *pid;
    tpdu.dcs = *dcs;
    tpdu.coding = interpret_tp_dcs(*dcs);
    tpdu.user_data_length = *udl;
    decode_user_data(tpdu, reader.rest(), udhi);
    return true;
}

// TS 23.040 9.2.3.3: TP-VPF 00 none, 10 relative (1 octet), 01 enhanced and 11 absolute (7).
std::size_t validity_period_octets(std::uint8_t first) {
    switch ((first >> 3) & 0x03) {
        case 0: return 0;
        case 2: return 1;
        default: return kTimestampOctets;
    }
}

bool decode_submit(ByteReader& reader, std::uint8_t first, Tpdu& tpdu) {
    tpdu.type = TpduType::submit;
    const auto reference = reader.u8();
    if (!reference) {
        set(tpdu.anomalies, SmsAnomaly::tpdu_truncated);
        return false;
    }
    tpdu.message_reference = *reference;
    auto destination = read_tp_address(reader, tpdu.anomalies);
    if (!destination) return false;
    tpdu.address = std::move(*destination);
    return read_tail(reader, tpdu, validity_period_octets(first), (first & kUdhi) != 0);
}

bool decode_deliver(ByteReader& reader, std::uint8_t first, Tpdu& tpdu) {
    tpdu.type = TpduType::deliver;
    auto originator = read_tp_address(reader, tpdu.anomalies);
    if (!originator) return false;
    tpdu.address = std::move(*originator);
    return read_tail(reader, tpdu, kTimestampOctets, (first & kUdhi) != 0);
}

bool decode_tpdu_into(ByteView bytes, bool network_to_ms, Tpdu& tpdu) {
    ByteReader reader(bytes);
    const auto first = reader.u8();
    if (!first) {
        set(tpdu.anomalies, SmsAnomaly::tpdu_truncated);
        return false;
    }
    tpdu.status_report_request = (*first & kStatusReport) != 0;
    tpdu.reply_path = (*first & kReplyPath) != 0;
    const auto mti = static_cast<std::uint8_t>(*first & 0x03);
    if (network_to_ms && mti == kMtiDeliver) return decode_deliver(reader, *first, tpdu);
    if (!network_to_ms && mti == kMtiSubmit) return decode_submit(reader, *first, tpdu);
    set(tpdu.anomalies, SmsAnomaly::tpdu_unsupported_type);
    return false;
}

}  // namespace

std::optional<Tpdu> decode_tpdu(ByteView tpdu, bool network_to_ms, SmsAnomalies& anomalies) {
    Tpdu result;
    const bool ok = decode_tpdu_into(tpdu, network_to_ms, result);
    anomalies |= result.anomalies;
    if (!ok) return std::nullopt;
    return result;
}

std::optional<RpData> decode_rp(ByteView rp, SmsAnomalies& anomalies) {
    ByteReader reader(rp);
    const auto mti = reader.u8();
    if (!mti) {
        set(anomalies, SmsAnomaly::rp_truncated);
        return std::nullopt;
    }
    const auto type = static_cast<std::uint8_t>(*mti & 0x07);  // bits 8..4 are spare
    if (type > 1) {
        set(anomalies, SmsAnomaly::rp_unsupported_type);
        return std::nullopt;
    }
    RpData data;
    data.type = type == 0 ? RpType::data_ms_to_network : RpType::data_network_to_ms;
    const auto reference = reader.u8();
    if (!reference) {
        set(anomalies, SmsAnomaly::rp_truncated);
        return std::nullopt;
    }
    data.message_reference = *reference;
    auto originator = read_rp_address(reader, anomalies);
    if (!originator) return std::nullopt;
    auto destination = read_rp_address(reader, anomalies);
    if (!destination) return std::nullopt;
    data.originator = std::move(*originator);
    data.destination = std::move(*destination);
    const auto length = reader.u8();
    const auto user_data = length ? reader.take(*length) : std::nullopt;
    if (!user_data) {
        set(anomalies, SmsAnomaly::rp_truncated);
        return std::nullopt;
    }
    data.user_data = *user_data;
    return data;
}

}  // namespace scamgate::sms
