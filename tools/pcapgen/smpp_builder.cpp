// SMPP 3.4 PDU builder (see smpp_builder.h).
#include "pcapgen/smpp_builder.h"

#include <stdexcept>

namespace scamgate::pcapgen::smpp {
namespace {

void u8(Bytes& b, std::uint8_t v) { b.push_back(v); }
void u16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void u32(Bytes& b, std::uint32_t v) {
    u16(b, static_cast<std::uint16_t>(v >> 16));
    u16(b, static_cast<std::uint16_t>(v));
}
// C-Octet String: the characters and a NUL; `max` counts the NUL, as the spec's field sizes do.
void cstr(Bytes& b, std::string_view s, std::size_t max) {
    if (s.size() + 1 > max) throw std::invalid_argument("SMPP field too long: " + std::string(s));
    if (s.find('\0') != std::string_view::npos) throw std::invalid_argument("NUL inside a C-Octet String");
    b.insert(b.end(), s.begin(), s.end());
    b.push_back(0);
}
void address(Bytes& b, const Address& a, std::size_t max = 21) {
    u8(b, a.ton);
    u8(b, a.npi);
    cstr(b, a.value, max);
}
void tlvs(Bytes& b, const std::vector<Tlv>& list) {
    for (const Tlv& t : list) {
        u16(b, t.tag);
        u16(b, static_cast<std::uint16_t>(t.value.size()));
        b.insert(b.end(), t.value.begin(), t.value.end());
    }
}
void time_field(Bytes& b, std::string_view t) {
    if (!t.empty() && t.size() != 16) throw std::invalid_argument("SMPP time must be 16 characters");
    cstr(b, t, 17);
}

Bytes short_message_body(const ShortMessage& m, bool deliver) {
    if (m.short_message.size() > 254) throw std::invalid_argument("short_message longer than 254 octets");
    Bytes b;
    cstr(b, m.service_type, 6);
    address(b, m.source);
    address(b, m.destination);
    u8(b, m.esm_class);
    u8(b, m.protocol_id);
    u8(b, m.priority_flag);
    time_field(b, deliver ? "" : m.schedule_delivery_time);
    time_field(b, deliver ? "" : m.validity_period);
    u8(b, m.registered_delivery);
    u8(b, deliver ? 0 : m.replace_if_present);
    u8(b, m.data_coding);
    u8(b, deliver ? 0 : m.sm_default_msg_id);
    u8(b, static_cast<std::uint8_t>(m.short_message.size()));
    b.insert(b.end(), m.short_message.begin(), m.short_message.end());
    tlvs(b, m.tlvs);
    return b;
}

Bytes message_id_body(std::string_view message_id) {
    Bytes b;
    cstr(b, message_id, 65);
    return b;
}

}  // namespace

Tlv tlv_u8(std::uint16_t t, std::uint8_t v) { return {t, {v}}; }
Tlv tlv_u16(std::uint16_t t, std::uint16_t v) {
    return {t, {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}};
}
Tlv tlv_bytes(std::uint16_t t, Bytes v) {
    if (v.size() > 0xFFFF) throw std::invalid_argument("TLV value longer than 65535 octets");
    return {t, std::move(v)};
}
Tlv tlv_cstring(std::uint16_t t, std::string_view v) {
    Bytes b(v.begin(), v.end());
    b.push_back(0);
    return {t, std::move(b)};
}
std::vector<Tlv> sar(std::uint16_t ref, std::uint8_t total, std::uint8_t seq) {
    return {tlv_u16(tag::sar_msg_ref_num, ref), tlv_u8(tag::sar_total_segments, total),
            tlv_u8(tag::sar_segment_seqnum, seq)};
}

Bytes pdu(std::uint32_t command_id, std::uint32_t status, std::uint32_t sequence, const Bytes& body) {
    Bytes b;
    b.reserve(16 + body.size());
    u32(b, static_cast<std::uint32_t>(16 + body.size()));
    u32(b, command_id);
    u32(b, status);
    u32(b, sequence);
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

Bytes bind(std::uint32_t command_id, std::uint32_t sequence, std::string_view system_id, std::string_view password,
           std::string_view system_type, std::uint8_t interface_version, Address address_range) {
    if (command_id != cmd::bind_transceiver && command_id != cmd::bind_transmitter && command_id != cmd::bind_receiver)
        throw std::invalid_argument("not a bind command");
    Bytes b;
    cstr(b, system_id, 16);
    // SMPP 3.4 5.2.2 allows 8 characters; real SMSCs take longer ones (the cases use "gen-secret",
    // 10), so only the system_id limit is enforced here.
    cstr(b, password, 65);
    cstr(b, system_type, 13);
    u8(b, interface_version);
    address(b, address_range, 41);
    return pdu(command_id, 0, sequence, b);
}

Bytes bind_resp(std::uint32_t command_id, std::uint32_t sequence, std::string_view system_id, std::uint32_t status,
                bool sc_interface_version_tlv) {
    Bytes b;
    cstr(b, system_id, 16);
    if (sc_interface_version_tlv) tlvs(b, {tlv_u8(0x0210, 0x34)});  // sc_interface_version
    return pdu(command_id | cmd::resp, status, sequence, b);
}

Bytes submit_sm(std::uint32_t sequence, const ShortMessage& m) {
    return pdu(cmd::submit_sm, 0, sequence, short_message_body(m, false));
}
Bytes submit_sm_resp(std::uint32_t sequence, std::string_view message_id, std::uint32_t status) {
    return pdu(cmd::submit_sm | cmd::resp, status, sequence, message_id_body(message_id));
}
Bytes deliver_sm(std::uint32_t sequence, const ShortMessage& m) {
    return pdu(cmd::deliver_sm, 0, sequence, short_message_body(m, true));
}
Bytes deliver_sm_resp(std::uint32_t sequence, std::uint32_t status) {
    return pdu(cmd::deliver_sm | cmd::resp, status, sequence, message_id_body(""));  // message_id unused: NUL
}

Bytes data_sm(std::uint32_t sequence, const DataSm& m) {
    Bytes b;
    cstr(b, m.service_type, 6);
    address(b, m.source, 65);
    address(b, m.destination, 65);
    u8(b, m.esm_class);
    u8(b, m.registered_delivery);
    u8(b, m.data_coding);
    tlvs(b, m.tlvs);
    return pdu(cmd::data_sm, 0, sequence, b);
}
Bytes data_sm_resp(std::uint32_t sequence, std::string_view message_id, std::uint32_t status) {
    return pdu(cmd::data_sm | cmd::resp, status, sequence, message_id_body(message_id));
}

Bytes submit_multi(std::uint32_t sequence, const SubmitMulti& sm) {
    const ShortMessage& m = sm.message;
    if (sm.destinations.empty() || sm.destinations.size() > 254) throw std::invalid_argument("number_of_dests 1..254");
    if (m.short_message.size() > 254) throw std::invalid_argument("short_message longer than 254 octets");
    Bytes b;
    cstr(b, m.service_type, 6);
    address(b, m.source);
    u8(b, static_cast<std::uint8_t>(sm.destinations.size()));
    for (const MultiDestination& d : sm.destinations) {
        if (d.distribution_list) {
            u8(b, 2);
            cstr(b, d.dl_name, 21);
        } else {
            u8(b, 1);
            address(b, d.address);
        }
    }
    u8(b, m.esm_class);
    u8(b, m.protocol_id);
    u8(b, m.priority_flag);
    time_field(b, m.schedule_delivery_time);
    time_field(b, m.validity_period);
    u8(b, m.registered_delivery);
    u8(b, m.replace_if_present);
    u8(b, m.data_coding);
    u8(b, m.sm_default_msg_id);
    u8(b, static_cast<std::uint8_t>(m.short_message.size()));
    b.insert(b.end(), m.short_message.begin(), m.short_message.end());
    tlvs(b, m.tlvs);
    return pdu(cmd::submit_multi, 0, sequence, b);
}

Bytes submit_multi_resp(std::uint32_t sequence, std::string_view message_id, const std::vector<UnsuccessSme>& failed) {
    Bytes b = message_id_body(message_id);
    u8(b, static_cast<std::uint8_t>(failed.size()));
    for (const UnsuccessSme& f : failed) {
        address(b, f.address);
        u32(b, f.error_status);
    }
    return pdu(cmd::submit_multi | cmd::resp, 0, sequence, b);
}

Bytes enquire_link(std::uint32_t sequence) { return pdu(cmd::enquire_link, 0, sequence, {}); }
Bytes enquire_link_resp(std::uint32_t sequence) { return pdu(cmd::enquire_link | cmd::resp, 0, sequence, {}); }
Bytes unbind(std::uint32_t sequence) { return pdu(cmd::unbind, 0, sequence, {}); }
Bytes unbind_resp(std::uint32_t sequence) { return pdu(cmd::unbind | cmd::resp, 0, sequence, {}); }
Bytes generic_nack(std::uint32_t sequence, std::uint32_t status) { return pdu(cmd::generic_nack, status, sequence, {}); }

Bytes concat(const std::vector<Bytes>& pdus) {
    Bytes out;
    for (const Bytes& p : pdus) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace scamgate::pcapgen::smpp
