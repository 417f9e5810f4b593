#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "smpp/pdu.h"
#include "smpp_test_util.h"

using namespace scamgate;
using namespace scamgate::smpp;
using scamgate::smpp::test::from_hex;
using scamgate::smpp::test::ndpi_session;

namespace {

// Builds a PDU: header with the right command_length, then the body bytes.
std::vector<std::uint8_t> pdu(std::uint32_t id, std::uint32_t status, std::uint32_t seq, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out;
    auto be32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
    };
    be32(static_cast<std::uint32_t>(16 + body.size()));
    be32(id);
    be32(status);
    be32(seq);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

void cstr(std::vector<std::uint8_t>& b, std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    b.push_back(0);
}

}  // namespace

TEST_CASE("bind_transmitter from a public capture: system_id kept, password not") {
    const auto bytes = from_hex(ndpi_session()[0]);
    Pdu p;
    const auto r = parse_pdu(bytes, p);
    REQUIRE(r.ok);
    CHECK(p.header.id == command::bind_transmitter);
    CHECK(p.header.sequence == 1);
    const auto& bind = std::get<Bind>(p.body);
    CHECK(bind.system_id == "abhik");
    CHECK(bind.system_type == "SMPP");
    CHECK(bind.interface_version == 0x01);  // as that client sent it
    CHECK(bind.address_range.ton == 0);
    CHECK(bind.address_range.value.empty());
    // No field of the parsed bind holds the password.
    CHECK(bind.system_id.find("password") == std::string_view::npos);
    CHECK(bind.system_type.find("password") == std::string_view::npos);
}

TEST_CASE("bind_transmitter_resp carries the SMSC's system_id") {
    const auto bytes = from_hex(ndpi_session()[1]);
    Pdu p;
    REQUIRE(parse_pdu(bytes, p).ok);
    CHECK(command_name(p.header.id) == "bind_transmitter_resp");
    CHECK(std::get<BindResponse>(p.body).system_id == "SMSC");
}

TEST_CASE("submit_sm from a public capture: every mandatory field") {
    const auto bytes = from_hex(ndpi_session()[4]);
    Pdu p;
    REQUIRE(parse_pdu(bytes, p).ok);
    CHECK(p.header.length == 0x32);
    CHECK(p.header.sequence == 3);
    const auto& m = std::get<ShortMessage>(p.body);
    CHECK(m.service_type.empty());
    CHECK(m.source.ton == 0);
    CHECK(m.source.npi == 1);
    CHECK(m.source.value == "100");
    REQUIRE(m.destinations.size() == 1);
    CHECK(m.destinations[0].ton == 1);
    CHECK(m.destinations[0].npi == 1);
    CHECK(m.destinations[0].value == "1234567890");
    CHECK(m.esm_class == 0);
    CHECK(m.protocol_id == 0);
    CHECK(m.priority == 0);
    CHECK(m.schedule_delivery_time.empty());
    CHECK(m.validity_period.empty());
    CHECK(m.registered_delivery == 0);
    CHECK(m.data_coding == 0);
    CHECK(as_text(m.short_message) == "test");
    CHECK(as_text(m.payload()) == "test");
    CHECK(m.tlvs.empty());
}

TEST_CASE("submit_sm_resp message_id, enquire_link and unbind have no body") {
    Pdu p;
    const auto resp = from_hex(ndpi_session()[5]);
    REQUIRE(parse_pdu(resp, p).ok);
    CHECK(std::get<MessageResponse>(p.body).message_id == "47c8c77a");
    for (std::size_t i : {2u, 3u, 6u, 7u}) {
        const auto bytes = from_hex(ndpi_session()[i]);
        REQUIRE(parse_pdu(bytes, p).ok);
        CHECK(std::holds_alternative<std::monostate>(p.body));
    }
    CHECK(command_name(command::enquire_link) == "enquire_link");
    CHECK(command_name(command::unbind | command::response_bit) == "unbind_resp");
    CHECK(command_name(0x12345678) == "unknown");
}

TEST_CASE("submit_sm with UDH, SAR, port and message_payload TLVs") {
    std::vector<std::uint8_t> body;
    cstr(body, "CMT");
    body.insert(body.end(), {5, 0});
    cstr(body, "VCB");
    body.insert(body.end(), {1, 1});
    cstr(body, "84912345678");
    body.insert(body.end(), {0x40, 0, 1});  // esm_class UDHI, protocol_id, priority
    cstr(body, "");
    cstr(body, "000001000000000R");
    body.insert(body.end(), {1, 0, 8, 0, 0});  // registered_delivery, replace, data_coding UCS-2, default id, sm_length 0
    body.insert(body.end(), {0x02, 0x0C, 0, 2, 0x12, 0x34});  // sar_msg_ref_num
    body.insert(body.end(), {0x02, 0x0E, 0, 1, 3});          // sar_total_segments
    body.insert(body.end(), {0x02, 0x0F, 0, 1, 2});          // sar_segment_seqnum
    body.insert(body.end(), {0x04, 0x24, 0, 4, 0x00, 0x41, 0x00, 0x42});  // message_payload "AB" in UCS-2
    body.insert(body.end(), {0x14, 0x00, 0, 1, 7});          // vendor TLV kept raw
    const auto bytes = pdu(command::submit_sm, 0, 77, body);
    Pdu p;
    REQUIRE(parse_pdu(bytes, p).ok);
    const auto& m = std::get<ShortMessage>(p.body);
    CHECK(m.service_type == "CMT");
    CHECK(m.source.ton == 5);
    CHECK(m.source.value == "VCB");
    CHECK(m.has_udh());
    CHECK_FALSE(m.is_receipt());
    CHECK(m.validity_period == "000001000000000R");
    CHECK(m.registered_delivery == 1);
    CHECK(m.data_coding == 8);
    CHECK(m.short_message.empty());
    CHECK(m.tlvs.size() == 5);
    CHECK(m.tlv_u16(tlv_tag::sar_msg_ref_num) == 0x1234);
    CHECK(m.tlv_u16(tlv_tag::sar_total_segments) == 3);
    CHECK(m.tlv_u16(tlv_tag::sar_segment_seqnum) == 2);
    CHECK(m.payload().size() == 4);
    CHECK(m.tlv(0x1400).has_value());
}

TEST_CASE("deliver_sm delivery receipt is recognised by esm_class") {
    std::vector<std::uint8_t> body;
    cstr(body, "");
    body.insert(body.end(), {1, 1});
    cstr(body, "84912345678");
    body.insert(body.end(), {5, 0});
    cstr(body, "BANK");
    body.insert(body.end(), {0x04, 0, 0});
    cstr(body, "");
    cstr(body, "");
    const std::string text = "id:abc123 sub:001 dlvr:001 submit date:2611240102 done date:2611240103 stat:DELIVRD err:000 text:hi";
    body.insert(body.end(), {0, 0, 0, 0, static_cast<std::uint8_t>(text.size())});
    body.insert(body.end(), text.begin(), text.end());
    const auto bytes = pdu(command::deliver_sm, 0, 9, body);
    Pdu p;
    REQUIRE(parse_pdu(bytes, p).ok);
    const auto& m = std::get<ShortMessage>(p.body);
    CHECK(m.is_receipt());
    CHECK(as_text(m.short_message) == text);
}

TEST_CASE("submit_multi: SME addresses and distribution lists") {
    std::vector<std::uint8_t> body;
    cstr(body, "");
    body.insert(body.end(), {1, 1});
    cstr(body, "84900000001");
    body.push_back(3);  // number_of_dests
    body.insert(body.end(), {1, 1, 1});
    cstr(body, "84911111111");
    body.push_back(2);
    cstr(body, "vip-list");
    body.insert(body.end(), {1, 1, 1});
    cstr(body, "84922222222");
    body.insert(body.end(), {0, 0, 0});
    cstr(body, "");
    cstr(body, "");
    body.insert(body.end(), {0, 0, 0, 0, 2, 'h', 'i'});
    const auto bytes = pdu(command::submit_multi, 0, 5, body);
    Pdu p;
    REQUIRE(parse_pdu(bytes, p).ok);
    const auto& m = std::get<ShortMessage>(p.body);
    REQUIRE(m.destinations.size() == 2);
    CHECK(m.destinations[0].value == "84911111111");
    CHECK(m.destinations[1].value == "84922222222");
    REQUIRE(m.distribution_lists.size() == 1);
    CHECK(m.distribution_lists[0] == "vip-list");
    CHECK(as_text(m.short_message) == "hi");
}

TEST_CASE("data_sm has no short_message: the text is in message_payload") {
    std::vector<std::uint8_t> body;
    cstr(body, "");
    body.insert(body.end(), {1, 1});
    cstr(body, "84900000001");
    body.insert(body.end(), {1, 1});
    cstr(body, "84911111111");
    body.insert(body.end(), {0, 0, 0});  // esm_class, registered_delivery, data_coding
    body.insert(body.end(), {0x04, 0x24, 0, 5, 'h', 'e', 'l', 'l', 'o'});
    const auto bytes = pdu(command::data_sm, 0, 6, body);
    Pdu p;
    REQUIRE(parse_pdu(bytes, p).ok);
    CHECK(as_text(std::get<ShortMessage>(p.body).payload()) == "hello");
}

TEST_CASE("error responses without a body parse") {
    Pdu p;
    const auto nack = pdu(command::generic_nack, 0x00000003, 12, {});
    REQUIRE(parse_pdu(nack, p).ok);
    CHECK(p.header.status == 3);
    const auto failed = pdu(command::submit_sm | command::response_bit, 0x00000045, 13, {});
    REQUIRE(parse_pdu(failed, p).ok);
    CHECK(std::get<MessageResponse>(p.body).message_id.empty());
}

TEST_CASE("bad PDUs: each gives its anomaly, never a read past the PDU") {
    Pdu p;
    SUBCASE("command_length disagrees with the bytes") {
        auto bytes = from_hex(ndpi_session()[4]);
        bytes.pop_back();
        const auto r = parse_pdu(bytes, p);
        CHECK_FALSE(r.ok);
        CHECK(r.anomaly == SmppAnomaly::command_length_invalid);
    }
    SUBCASE("unknown command") {
        const auto bytes = pdu(0x00000099, 0, 1, {});
        CHECK(parse_pdu(bytes, p).anomaly == SmppAnomaly::unknown_command);
    }
    SUBCASE("sm_length beyond the PDU") {
        auto bytes = from_hex(ndpi_session()[4]);
        bytes[bytes.size() - 5] = 200;  // sm_length
        CHECK(parse_pdu(bytes, p).anomaly == SmppAnomaly::sm_length_past_body);
    }
    SUBCASE("TLV beyond the PDU") {
        auto bytes = from_hex(ndpi_session()[4]);
        for (std::uint8_t b : {0x04, 0x24, 0x00, 0x10, 0x41}) bytes.push_back(b);
        bytes[3] = static_cast<std::uint8_t>(bytes.size());
        CHECK(parse_pdu(bytes, p).anomaly == SmppAnomaly::tlv_past_body);
    }
    SUBCASE("C-string without NUL in 65 octets") {
        std::vector<std::uint8_t> body(100, 'A');
        const auto bytes = pdu(command::submit_sm, 0, 1, body);
        CHECK(parse_pdu(bytes, p).anomaly == SmppAnomaly::cstring_unterminated);
    }
    SUBCASE("every truncation of a valid submit_sm fails cleanly") {
        const auto full = from_hex(ndpi_session()[4]);
        for (std::size_t n = 16; n < full.size(); ++n) {
            std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
            cut[0] = 0;
            cut[1] = 0;
            cut[2] = static_cast<std::uint8_t>(n >> 8);
            cut[3] = static_cast<std::uint8_t>(n);
            const auto r = parse_pdu(cut, p);
            CHECK_FALSE(r.ok);
            CHECK(r.anomaly.has_value());
        }
    }
    SUBCASE("submit_multi with a bad dest_flag") {
        std::vector<std::uint8_t> body;
        cstr(body, "");
        body.insert(body.end(), {1, 1});
        cstr(body, "1");
        body.insert(body.end(), {1, 9});
        const auto bytes = pdu(command::submit_multi, 0, 1, body);
        CHECK(parse_pdu(bytes, p).anomaly == SmppAnomaly::dest_count_invalid);
    }
}
