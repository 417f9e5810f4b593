#pragma once
// SMS over IMS/SIP MESSAGE (application/vnd.3gpp.sms): the RP layer of 3GPP TS 24.011 section 7.3
// carrying a TPDU of 3GPP TS 23.040 (SMS-SUBMIT from the phone, SMS-DELIVER to it).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "sms/dcs.h"
#include "sms/text.h"
#include "sms/udh.h"

namespace scamgate::sms {

// An address as sent: digits for numeric types (semi-octets, '*', '#', 'a'-'c' as given by TS
// 23.040 9.1.2.3), the decoded text for alphanumeric ones (TON 5, packed GSM 7-bit).
struct Address {
    std::string value;
    std::uint8_t ton = 0;  // type of number, 0..7
    std::uint8_t npi = 0;  // numbering plan, 0..15
    bool alphanumeric() const { return ton == 5; }
};

enum class TpduType : std::uint8_t { deliver, submit };

struct Tpdu {
    TpduType type = TpduType::submit;
    std::uint8_t message_reference = 0;  // SMS-SUBMIT only
    Address address;                     // TP-OA (deliver) or TP-DA (submit)
    std::uint8_t protocol_id = 0;
    std::uint8_t dcs = 0;
    DataCoding coding;
    bool status_report_request = false;  // TP-SRR (submit) / TP-SRI (deliver)
    bool reply_path = false;
    std::optional<Udh> udh;
    std::uint8_t user_data_length = 0;   // TP-UDL as sent (septets for 7-bit, octets otherwise)
    DecodedText text;                    // empty for binary/compressed data
    std::string binary_hex;              // user data after the UDH, when not text
    SmsAnomalies anomalies;
};

// `network_to_ms` is the RP direction: SMS-DELIVER and SMS-SUBMIT share TP-MTI values, so the
// direction decides how the first octet is read (TS 23.040 9.2.3.1). nullopt (with the reason in
// `anomalies`) when the TPDU is unusable.
std::optional<Tpdu> decode_tpdu(ByteView tpdu, bool network_to_ms, SmsAnomalies& anomalies);

enum class RpType : std::uint8_t { data_ms_to_network, data_network_to_ms };

struct RpData {
    RpType type = RpType::data_ms_to_network;
    std::uint8_t message_reference = 0;
    Address originator;   // RP-OA: the SMSC for network->MS, empty for MS->network
    Address destination;  // RP-DA: the SMSC for MS->network, empty for network->MS
    ByteView user_data;   // the TPDU (points into the input)
};

// nullopt (with the reason in `anomalies`) for truncated RP messages and for RP types that carry
// no SMS (RP-ACK, RP-ERROR, RP-SMMA: rp_unsupported_type).
std::optional<RpData> decode_rp(ByteView rp, SmsAnomalies& anomalies);

}  // namespace scamgate::sms
