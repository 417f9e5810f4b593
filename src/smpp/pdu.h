#pragma once
// SMPP 3.4 PDUs (with the SMPP 5.0 TLVs seen in practice): header, the bodies the filter needs
// (binds and their responses, submit_sm, deliver_sm, data_sm, submit_multi and their responses),
// TLVs. Zero copy: every string_view and ByteView points into the PDU bytes. The bind password is
// skipped, never stored, so it cannot reach a record or a log.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/anomaly.h"
#include "common/bytes.h"

namespace scamgate::smpp {

inline constexpr std::size_t kHeaderSize = 16;

namespace command {
inline constexpr std::uint32_t generic_nack = 0x80000000;
inline constexpr std::uint32_t bind_receiver = 0x00000001;
inline constexpr std::uint32_t bind_transmitter = 0x00000002;
inline constexpr std::uint32_t query_sm = 0x00000003;
inline constexpr std::uint32_t submit_sm = 0x00000004;
inline constexpr std::uint32_t deliver_sm = 0x00000005;
inline constexpr std::uint32_t unbind = 0x00000006;
inline constexpr std::uint32_t replace_sm = 0x00000007;
inline constexpr std::uint32_t cancel_sm = 0x00000008;
inline constexpr std::uint32_t bind_transceiver = 0x00000009;
inline constexpr std::uint32_t outbind = 0x0000000B;
inline constexpr std::uint32_t enquire_link = 0x00000015;
inline constexpr std::uint32_t submit_multi = 0x00000021;
inline constexpr std::uint32_t alert_notification = 0x00000102;
inline constexpr std::uint32_t data_sm = 0x00000103;
inline constexpr std::uint32_t broadcast_sm = 0x00000111;
inline constexpr std::uint32_t query_broadcast_sm = 0x00000112;
inline constexpr std::uint32_t cancel_broadcast_sm = 0x00000113;
inline constexpr std::uint32_t response_bit = 0x80000000;
}  // namespace command

namespace tlv_tag {
inline constexpr std::uint16_t source_port = 0x020A;
inline constexpr std::uint16_t destination_port = 0x020B;
inline constexpr std::uint16_t sar_msg_ref_num = 0x020C;
inline constexpr std::uint16_t sar_total_segments = 0x020E;
inline constexpr std::uint16_t sar_segment_seqnum = 0x020F;
inline constexpr std::uint16_t receipted_message_id = 0x001E;
inline constexpr std::uint16_t message_state = 0x0427;
inline constexpr std::uint16_t message_payload = 0x0424;
}  // namespace tlv_tag

// "submit_sm", "bind_transceiver_resp", ...; "unknown" for ids outside SMPP 3.4/5.0.
std::string_view command_name(std::uint32_t command_id);
bool is_known_command(std::uint32_t command_id);
inline bool is_response(std::uint32_t command_id) { return (command_id & command::response_bit) != 0; }

struct Header {
    std::uint32_t length = 0;
    std::uint32_t id = 0;
    std::uint32_t status = 0;
    std::uint32_t sequence = 0;
};

// Reads the 16 header octets (no checks beyond having 16 bytes).
std::optional<Header> read_header(ByteView bytes);

struct Tlv {
    std::uint16_t tag = 0;
    ByteView value;
};

struct Address {
    std::uint8_t ton = 0;
    std::uint8_t npi = 0;
    std::string_view value;
};

struct Bind {
    std::string_view system_id;
    std::string_view system_type;
    std::uint8_t interface_version = 0;
    Address address_range;
};

struct BindResponse {
    std::string_view system_id;  // the SMSC's id; empty in error responses
};

// submit_sm, deliver_sm, data_sm and submit_multi share this shape; data_sm has no
// priority/schedule/validity/short_message, submit_multi has a destination list.
struct ShortMessage {
    std::string_view service_type;
    Address source;
    std::vector<Address> destinations;
    std::vector<std::string_view> distribution_lists;  // submit_multi dest_flag 2
    std::uint8_t esm_class = 0;
    std::uint8_t protocol_id = 0;
    std::uint8_t priority = 0;
    std::string_view schedule_delivery_time;
    std::string_view validity_period;
    std::uint8_t registered_delivery = 0;
    std::uint8_t replace_if_present = 0;
    std::uint8_t data_coding = 0;
    std::uint8_t sm_default_msg_id = 0;
    ByteView short_message;
    std::vector<Tlv> tlvs;

    std::optional<ByteView> tlv(std::uint16_t tag) const;
    std::optional<std::uint16_t> tlv_u16(std::uint16_t tag) const;  // 1- or 2-octet integer TLVs
    // message_payload when present, else short_message.
    ByteView payload() const;
    bool has_udh() const { return (esm_class & 0x40) != 0; }
    // esm_class message type bits 2-5: 0x04 SMSC delivery receipt, 0x08 SME delivery ack,
    // 0x10 SME manual/user ack, 0x20 intermediate delivery notification.
    bool is_receipt() const { return (esm_class & 0x3C) != 0; }
};

struct MessageResponse {
    std::string_view message_id;  // submit_sm_resp, deliver_sm_resp, data_sm_resp, submit_multi_resp
    std::size_t unsuccessful = 0; // submit_multi_resp: no_unsuccess
};

struct Pdu {
    Header header;
    std::variant<std::monostate, Bind, BindResponse, ShortMessage, MessageResponse> body;
};

enum class SmppAnomaly : std::uint8_t {
    command_length_invalid,   // below 16 or above the configured bound: stream resynchronised
    unknown_command,          // command_id not in SMPP 3.4/5.0
    body_truncated,           // a mandatory field runs past command_length
    cstring_unterminated,     // a C-octet string without NUL inside its field bound
    sm_length_past_body,      // sm_length beyond the PDU
    tlv_past_body,            // a TLV length beyond the PDU
    dest_count_invalid,       // submit_multi number_of_dests 0 or beyond 255 entries in the body
    bytes_skipped,            // stream bytes skipped while looking for the next PDU header
    count_
};
AnomalyInfo describe(SmppAnomaly anomaly);  // names "smpp.<enumerator>"

struct ParseOutcome {
    bool ok = false;
    std::optional<SmppAnomaly> anomaly;  // set when !ok
};

// `bytes` must be exactly one PDU (header.length bytes). Bodies of commands the filter does not
// need (query_sm, cancel_sm, ...) are left as monostate.
ParseOutcome parse_pdu(ByteView bytes, Pdu& out);

}  // namespace scamgate::smpp
