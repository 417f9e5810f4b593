#pragma once
// SMPP 3.4 PDUs for the generator, from the SMPP v3.4 specification (issue 1.2): the 16-byte
// header (command_length, command_id, command_status, sequence_number), the mandatory body fields
// of each operation in order, and optional TLVs (section 5.3). Every length is derived from the
// content; C-Octet Strings get their NUL.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapgen/packet_builder.h"

namespace scamgate::pcapgen::smpp {

namespace cmd {
constexpr std::uint32_t generic_nack = 0x80000000, bind_receiver = 0x01, bind_transmitter = 0x02,
                        query_sm = 0x03, submit_sm = 0x04, deliver_sm = 0x05, unbind = 0x06,
                        replace_sm = 0x07, cancel_sm = 0x08, bind_transceiver = 0x09, outbind = 0x0B,
                        enquire_link = 0x15, submit_multi = 0x21, alert_notification = 0x102,
                        data_sm = 0x103, resp = 0x80000000;
}

namespace tag {
constexpr std::uint16_t receipted_message_id = 0x001E, source_port = 0x020A, destination_port = 0x020B,
                        sar_msg_ref_num = 0x020C, sar_total_segments = 0x020E, sar_segment_seqnum = 0x020F,
                        message_payload = 0x0424, message_state = 0x0427;
}

namespace esm {
constexpr std::uint8_t default_mode = 0x00, store_and_forward = 0x03, delivery_receipt = 0x04, udhi = 0x40;
}

namespace dc {  // data_coding values (SMPP 3.4 5.2.19)
constexpr std::uint8_t smsc_default = 0x00, ia5 = 0x01, binary_2 = 0x02, latin1 = 0x03, binary = 0x04,
                       ucs2 = 0x08;
}

struct Address {
    std::string value{};
    std::uint8_t ton = 1;
    std::uint8_t npi = 1;
};

struct Tlv {
    std::uint16_t tag = 0;
    Bytes value{};
};
Tlv tlv_u8(std::uint16_t tag, std::uint8_t v);
Tlv tlv_u16(std::uint16_t tag, std::uint16_t v);
Tlv tlv_bytes(std::uint16_t tag, Bytes v);
Tlv tlv_cstring(std::uint16_t tag, std::string_view v);  // with its NUL
// sar_msg_ref_num, sar_total_segments, sar_segment_seqnum.
std::vector<Tlv> sar(std::uint16_t ref, std::uint8_t total, std::uint8_t seq);

// submit_sm and deliver_sm share the body layout (deliver_sm's schedule/validity are NUL,
// replace_if_present 0).
struct ShortMessage {
    std::string service_type{};
    Address source{};
    Address destination{};
    std::uint8_t esm_class = 0;
    std::uint8_t protocol_id = 0;
    std::uint8_t priority_flag = 0;
    std::string schedule_delivery_time{};  // "" or 16 characters "YYMMDDhhmmsstnnp"
    std::string validity_period{};
    std::uint8_t registered_delivery = 0;
    std::uint8_t replace_if_present = 0;
    std::uint8_t data_coding = 0;
    std::uint8_t sm_default_msg_id = 0;
    Bytes short_message{};  // sm_length is its size (0..254)
    std::vector<Tlv> tlvs{};
};

struct DataSm {
    std::string service_type{};
    Address source{};
    Address destination{};
    std::uint8_t esm_class = 0;
    std::uint8_t registered_delivery = 0;
    std::uint8_t data_coding = 0;
    std::vector<Tlv> tlvs{};  // the text goes in message_payload
};

// submit_multi destination: an SME address (dest_flag 1) or a distribution list name (dest_flag 2).
struct MultiDestination {
    bool distribution_list = false;
    Address address{};        // when !distribution_list
    std::string dl_name{};    // when distribution_list
};

struct SubmitMulti {
    ShortMessage message{};  // message.destination is unused
    std::vector<MultiDestination> destinations{};
};

struct UnsuccessSme {
    Address address{};
    std::uint32_t error_status = 0;
};

// The whole PDU: header plus body.
Bytes pdu(std::uint32_t command_id, std::uint32_t status, std::uint32_t sequence, const Bytes& body);

Bytes bind(std::uint32_t command_id, std::uint32_t sequence, std::string_view system_id, std::string_view password,
           std::string_view system_type = "", std::uint8_t interface_version = 0x34, Address address_range = {"", 0, 0});
Bytes bind_resp(std::uint32_t command_id, std::uint32_t sequence, std::string_view system_id, std::uint32_t status = 0,
                bool sc_interface_version_tlv = true);
Bytes submit_sm(std::uint32_t sequence, const ShortMessage& m);
Bytes submit_sm_resp(std::uint32_t sequence, std::string_view message_id, std::uint32_t status = 0);
Bytes deliver_sm(std::uint32_t sequence, const ShortMessage& m);
Bytes deliver_sm_resp(std::uint32_t sequence, std::uint32_t status = 0);
Bytes data_sm(std::uint32_t sequence, const DataSm& m);
Bytes data_sm_resp(std::uint32_t sequence, std::string_view message_id, std::uint32_t status = 0);
Bytes submit_multi(std::uint32_t sequence, const SubmitMulti& m);
Bytes submit_multi_resp(std::uint32_t sequence, std::string_view message_id, const std::vector<UnsuccessSme>& failed = {});
Bytes enquire_link(std::uint32_t sequence);
Bytes enquire_link_resp(std::uint32_t sequence);
Bytes unbind(std::uint32_t sequence);
Bytes unbind_resp(std::uint32_t sequence);
Bytes generic_nack(std::uint32_t sequence, std::uint32_t status);

// Concatenation of PDUs (several in one TCP segment).
Bytes concat(const std::vector<Bytes>& pdus);

}  // namespace scamgate::pcapgen::smpp
