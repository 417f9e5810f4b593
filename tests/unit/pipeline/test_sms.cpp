#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "pcapgen/packet_builder.h"
#include "pipeline/sms_build.h"
#include "pipeline/sms_tracker.h"
#include "pipeline/worker.h"
#include "sip/message.h"
#include "smpp/pdu.h"

using namespace scamgate;
using namespace scamgate::pipeline;
using pcapgen::PacketBuilder;

namespace {

struct Collector final : record::ContactSink {
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

using Bytes = std::vector<std::uint8_t>;

void put32(Bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
}

void cstr(Bytes& b, std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    b.push_back(0);
}

Bytes ucs2(std::u16string_view text) {
    Bytes out;
    for (char16_t c : text) {
        out.push_back(static_cast<std::uint8_t>(c >> 8));
        out.push_back(static_cast<std::uint8_t>(c & 0xFF));
    }
    return out;
}

struct SubmitSpec {
    std::uint32_t command = smpp::command::submit_sm;
    std::uint32_t sequence = 1;
    std::string source = "VCB";
    std::uint8_t source_ton = 5;
    std::string destination = "84912345678";
    std::uint8_t esm_class = 0;
    std::uint8_t data_coding = 0;
    Bytes short_message;
    Bytes tlvs;
};

Bytes submit_pdu(const SubmitSpec& s) {
    Bytes body;
    cstr(body, "");
    body.insert(body.end(), {s.source_ton, 0});
    cstr(body, s.source);
    body.insert(body.end(), {1, 1});
    cstr(body, s.destination);
    body.insert(body.end(), {s.esm_class, 0, 0});
    cstr(body, "");
    cstr(body, "");
    body.insert(body.end(), {0, 0, s.data_coding, 0, static_cast<std::uint8_t>(s.short_message.size())});
    body.insert(body.end(), s.short_message.begin(), s.short_message.end());
    body.insert(body.end(), s.tlvs.begin(), s.tlvs.end());
    Bytes pdu;
    put32(pdu, static_cast<std::uint32_t>(16 + body.size()));
    put32(pdu, s.command);
    put32(pdu, 0);
    put32(pdu, s.sequence);
    pdu.insert(pdu.end(), body.begin(), body.end());
    return pdu;
}

Bytes resp_pdu(std::uint32_t command, std::uint32_t sequence, std::string_view message_id, std::uint32_t status = 0) {
    Bytes pdu;
    put32(pdu, static_cast<std::uint32_t>(16 + message_id.size() + 1));
    put32(pdu, command | smpp::command::response_bit);
    put32(pdu, status);
    put32(pdu, sequence);
    cstr(pdu, message_id);
    return pdu;
}

Bytes bind_pdu(std::string_view system_id, std::string_view password) {
    Bytes body;
    cstr(body, system_id);
    cstr(body, password);
    cstr(body, "");
    body.insert(body.end(), {0x34, 0, 0});
    cstr(body, "");
    Bytes pdu;
    put32(pdu, static_cast<std::uint32_t>(16 + body.size()));
    put32(pdu, smpp::command::bind_transceiver);
    put32(pdu, 0);
    put32(pdu, 1);
    pdu.insert(pdu.end(), body.begin(), body.end());
    return pdu;
}

// Builds the SMS part of a PDU the way the SMPP handler does.
SmsPart part_of(const Bytes& bytes, std::string_view account = "esme-1",
                sms::Encoding alphabet = sms::Encoding::gsm7, double at = 0) {
    smpp::Pdu pdu;
    REQUIRE(smpp::parse_pdu(bytes, pdu).ok);
    MessageOrigin origin;
    origin.ts = seconds(1'700'000'000 + at);
    auto built = sms_from_smpp(pdu.header, std::get<smpp::ShortMessage>(pdu.body), account, alphabet, origin);
    REQUIRE(built.part.has_value());
    return std::move(*built.part);
}

Bytes udh_concat(std::uint8_t ref, std::uint8_t total, std::uint8_t seq) { return {5, 0, 3, ref, total, seq}; }

Bytes concat_bytes(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("sms_from_smpp: UCS-2 Vietnamese with a UDH concatenation header") {
    SubmitSpec s;
    s.esm_class = 0x40;
    s.data_coding = 8;
    s.short_message = concat_bytes(udh_concat(0x2A, 2, 1), ucs2(u"Công an thông báo"));
    auto part = part_of(submit_pdu(s));
    const auto& sms = *part.contact.sms;
    CHECK(sms.protocol == "smpp");
    CHECK(sms.account == "esme-1");
    CHECK(sms.sender.address == "VCB");
    CHECK(sms.sender.ton == 5);
    CHECK(sms.sender.alphanumeric());
    REQUIRE(sms.recipients.size() == 1);
    CHECK(sms.recipients[0].address == "84912345678");
    CHECK(sms.text == "Công an thông báo");
    CHECK(sms.encoding == "ucs2");
    REQUIRE(part.concat.has_value());
    CHECK(part.concat->reference == 0x2A);
    CHECK(part.concat->total == 2);
    CHECK(part.concat->sequence == 1);
    CHECK(part.concat->method == "udh");
    CHECK(part.contact.caller.user == "VCB");
    CHECK(part.contact.callee.user == "84912345678");
    CHECK(sms.smpp->command == "submit_sm");
    CHECK(sms.smpp->data_coding == 8);
}

TEST_CASE("sms_from_smpp: data_coding 0 follows the account's alphabet") {
    SubmitSpec s;
    s.short_message = {'C', 'a', 'f', 0xE9};  // "Café" in Latin-1; 0xE9 is not a GSM septet
    auto latin = part_of(submit_pdu(s), "legacy", sms::Encoding::latin1);
    CHECK(latin.contact.sms->text == "Café");
    CHECK(latin.contact.sms->encoding == "latin1");
    s.short_message = {'a', 0x1B, 0x65, 'b'};  // GSM: ESC e is the euro sign
    auto gsm = part_of(submit_pdu(s));
    CHECK(gsm.contact.sms->text == "a€b");
    CHECK(gsm.contact.sms->encoding == "gsm7");
}

TEST_CASE("sms_from_smpp: SAR TLVs, binary coding and a delivery receipt") {
    SubmitSpec s;
    s.data_coding = 4;
    s.short_message = {0xDE, 0xAD, 0xBE, 0xEF};
    s.tlvs = {0x02, 0x0C, 0, 2, 0x01, 0x00, 0x02, 0x0E, 0, 1, 2, 0x02, 0x0F, 0, 1, 2};
    auto part = part_of(submit_pdu(s));
    CHECK(part.contact.sms->encoding == "binary");
    CHECK(part.contact.sms->text.empty());
    CHECK(part.contact.sms->binary_hex == "deadbeef");
    REQUIRE(part.concat.has_value());
    CHECK(part.concat->method == "sar");
    CHECK(part.concat->reference == 0x100);
    CHECK(part.concat->sequence == 2);

    SubmitSpec r;
    r.command = smpp::command::deliver_sm;
    r.esm_class = 0x04;
    const std::string text = "id:7f3a sub:001 dlvr:001 submit date:2611240102 done date:2611240103 stat:UNDELIV err:011 text:";
    r.short_message.assign(text.begin(), text.end());
    auto receipt = part_of(submit_pdu(r));
    REQUIRE(receipt.contact.sms->receipt.has_value());
    CHECK(receipt.contact.sms->receipt->message_id == "7f3a");
    CHECK(receipt.contact.sms->receipt->state == "UNDELIV");
    CHECK(receipt.contact.sms->receipt->error == "011");
}

TEST_CASE("parse_receipt_text reads the appendix B fields and nothing else") {
    auto r = parse_receipt_text("id:123 sub:001 dlvr:001 submit date:2611240102 done date:2611240103 stat:DELIVRD err:000");
    REQUIRE(r.has_value());
    CHECK(r->message_id == "123");
    CHECK(r->state == "DELIVRD");
    CHECK(r->error == "000");
    CHECK_FALSE(parse_receipt_text("your parcel is waiting").has_value());
    // "grid:" must not be read as "id:"
    CHECK(parse_receipt_text("grid:9 stat:ENROUTE")->message_id.empty());
}

TEST_CASE("tracker: parts out of order, each answered, join into one complete record") {
    Collector sink;
    SmsTracker tracker({}, sink);
    SubmitSpec s;
    s.esm_class = 0x40;
    s.sequence = 11;
    s.short_message = concat_bytes(udh_concat(7, 2, 2), {'w', 'o', 'r', 'l', 'd'});
    tracker.on_request({1, net::Direction::from_originator, 11}, part_of(submit_pdu(s), "esme-1", sms::Encoding::gsm7, 1));
    s.sequence = 10;
    s.short_message = concat_bytes(udh_concat(7, 2, 1), {'h', 'e', 'l', 'l', 'o', ' '});
    tracker.on_request({1, net::Direction::from_originator, 10}, part_of(submit_pdu(s), "esme-1", sms::Encoding::gsm7, 2));
    CHECK(sink.contacts.empty());
    tracker.on_response({1, net::Direction::from_originator, 11}, 0, "m-2");
    tracker.on_response({1, net::Direction::from_originator, 10}, 0, "m-1");
    REQUIRE(sink.contacts.size() == 1);
    const auto& sms = *sink.contacts[0].sms;
    CHECK(sms.text == "hello world");
    CHECK(sms.parts.total == 2);
    CHECK(sms.parts.received == 2);
    CHECK(sms.parts.complete);
    CHECK(sms.parts.reference == 7);
    CHECK(sms.parts.method == "udh");
    CHECK(sms.smpp->message_ids == std::vector<std::string>{"m-1", "m-2"});
    CHECK(sms.smpp->command_status == 0u);
    CHECK(sms.smpp->sequence_number == 10);
    // Each part's message key, in part order, for the inline gate's ledger (multi-part: partial).
    const net::FlowTuple none{};
    CHECK(sms.part_keys == std::vector<std::string>{record::smpp_message_key(none, 10), record::smpp_message_key(none, 11)});
    CHECK(record::message_keys(sink.contacts[0]) == sms.part_keys);
    StatsReport stats;
    tracker.append_stats(stats);
    CHECK(stats.at("sms.messages") == 1);
    CHECK(stats.at("sms.parts") == 2);
    CHECK(stats.at("sms.incomplete") == 0);
}

TEST_CASE("tracker: a part that never comes makes an incomplete record at the timeout") {
    Collector sink;
    SmsLimits limits;
    limits.concat_timeout = seconds(60);
    SmsTracker tracker(limits, sink);
    for (std::uint8_t seq : {1, 3}) {
        SubmitSpec s;
        s.esm_class = 0x40;
        s.short_message = concat_bytes(udh_concat(9, 3, seq), {static_cast<std::uint8_t>('0' + seq)});
        tracker.on_part(part_of(submit_pdu(s), "esme-1", sms::Encoding::gsm7, seq));
    }
    tracker.expire(seconds(1'700'000'000 + 30));
    CHECK(sink.contacts.empty());
    tracker.expire(seconds(1'700'000'000 + 62));
    REQUIRE(sink.contacts.size() == 1);
    const auto& parts = sink.contacts[0].sms->parts;
    CHECK_FALSE(parts.complete);
    CHECK(parts.total == 3);
    CHECK(parts.received == 2);
    CHECK(parts.missing == std::vector<std::uint16_t>{2});
    CHECK(sink.contacts[0].sms->text == "13");
    StatsReport stats;
    tracker.append_stats(stats);
    CHECK(stats.at("sms.incomplete") == 1);
}

TEST_CASE("tracker: thousands of never-completed messages stay within the bound") {
    Collector sink;
    SmsLimits limits;
    limits.max_concat_messages = 100;
    SmsTracker tracker(limits, sink);
    for (int i = 0; i < 5000; ++i) {
        SubmitSpec s;
        s.esm_class = 0x40;
        s.short_message = concat_bytes(udh_concat(static_cast<std::uint8_t>(i), 4, 1), {'x'});
        s.destination = "849" + std::to_string(10000000 + i);
        tracker.on_part(part_of(submit_pdu(s), "esme-1", sms::Encoding::gsm7, i * 0.001));
    }
    StatsReport stats;
    tracker.append_stats(stats);
    CHECK(stats.at("sms.concat_pending") == 100);
    CHECK(stats.at("sms.concat_evicted") == 4900);
    CHECK(sink.contacts.size() == 4900);
    CHECK_FALSE(sink.contacts.front().sms->parts.complete);
    tracker.flush();
    CHECK(sink.contacts.size() == 5000);
}

TEST_CASE("tracker: an unanswered request is recorded at the response timeout or connection end") {
    Collector sink;
    SmsLimits limits;
    limits.response_timeout = seconds(10);
    SmsTracker tracker(limits, sink);
    SubmitSpec s;
    s.short_message = {'h', 'i'};
    tracker.on_request({1, net::Direction::from_originator, 1}, part_of(submit_pdu(s)));
    tracker.on_request({2, net::Direction::from_originator, 1}, part_of(submit_pdu(s)));
    tracker.expire(seconds(1'700'000'000 + 5));
    CHECK(sink.contacts.empty());
    tracker.end_connection(2);
    CHECK(sink.contacts.size() == 1);
    tracker.expire(seconds(1'700'000'000 + 11));
    REQUIRE(sink.contacts.size() == 2);
    CHECK_FALSE(sink.contacts[1].sms->smpp->command_status.has_value());
    tracker.on_response({1, net::Direction::from_originator, 1}, 0, "late");
    StatsReport stats;
    tracker.append_stats(stats);
    CHECK(stats.at("sms.unanswered") == 2);
    CHECK(stats.at("sms.unmatched_responses") == 1);
}

TEST_CASE("SIP MESSAGE text/plain: charset honoured, parties from From and Request-URI") {
    const std::string body = "Qu\xe9 tal";  // Latin-1
    const std::string text = "MESSAGE sip:+84912345678@ims.example.vn SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bK776\r\n"
                             "From: <sip:+84987654321@ims.example.vn>;tag=49583\r\n"
                             "To: <sip:+84912345678@ims.example.vn>\r\n"
                             "Call-ID: msg-1@192.0.2.5\r\n"
                             "CSeq: 1 MESSAGE\r\n"
                             "Content-Type: text/plain; charset=\"ISO-8859-1\"\r\n"
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    sip::Message m;
    REQUIRE(sip::parse_message(text, sip::Framing::datagram, m).status == sip::ParseStatus::ok);
    auto built = sms_from_sip_message(m, MessageOrigin{});
    REQUIRE(built.part.has_value());
    const auto& sms = *built.part->contact.sms;
    CHECK(sms.protocol == "sip");
    CHECK(sms.text == "Qué tal");
    CHECK(sms.encoding == "latin1");
    CHECK(sms.sender.address == "+84987654321");
    CHECK(sms.recipients.at(0).address == "+84912345678");
    CHECK(sms.sip->call_id == "msg-1@192.0.2.5");
    CHECK(sms.part_keys == std::vector<std::string>{record::sip_message_key("msg-1@192.0.2.5")});
    CHECK(built.part->contact.caller.tag == "49583");
}

TEST_CASE("SIP MESSAGE with another body type is not an SMS") {
    const std::string text = "MESSAGE sip:bob@example.com SIP/2.0\r\n"
                             "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
                             "Call-ID: x\r\nCSeq: 1 MESSAGE\r\n"
                             "Content-Type: application/im-iscomposing+xml\r\nContent-Length: 2\r\n\r\n<>";
    sip::Message m;
    REQUIRE(sip::parse_message(text, sip::Framing::datagram, m).status == sip::ParseStatus::ok);
    CHECK_FALSE(sms_from_sip_message(m, MessageOrigin{}).part.has_value());
}

TEST_CASE("worker: an SMPP bind and submit on a non-SMPP port, split across segments") {
    std::ostringstream log_text;
    Logger log{log_text};
    Collector sink;
    Worker worker(PipelineConfig{}, sink, log);
    worker.begin_source("unit");
    std::uint64_t number = 0;
    auto feed = [&](const Bytes& data, std::uint32_t seq, bool from_esme, double at, std::uint8_t flags = 0x18) {
        pcapgen::TcpSpec spec;
        spec.src_port = from_esme ? 41000 : 9000;
        spec.dst_port = from_esme ? 9000 : 41000;
        spec.seq = seq;
        spec.flags = flags;
        auto b = PacketBuilder().ethernet();
        from_esme ? b.ipv4("10.0.0.1", "10.0.0.2") : b.ipv4("10.0.0.2", "10.0.0.1");
        const auto frame = b.tcp(spec).payload(data).build();
        capture::Packet packet;
        packet.ts = seconds(1'700'000'000 + at);
        packet.linktype = pcapgen::linktype::ethernet;
        packet.data = ByteView(frame.data(), frame.size());
        packet.wire_length = static_cast<std::uint32_t>(frame.size());
        packet.number = ++number;
        worker.on_packet(packet);
    };
    SubmitSpec s;
    s.sequence = 2;
    s.data_coding = 8;
    s.short_message = ucs2(u"Tài khoản của bạn đã bị khóa");
    const auto bind = bind_pdu("esme-7", "s3cret!");
    const auto submit = submit_pdu(s);
    const auto esme = concat_bytes(bind, submit);
    feed({}, 999, true, 0, 0x02);
    feed({}, 4999, false, 0.01, 0x12);
    feed(Bytes(esme.begin(), esme.begin() + 10), 1000, true, 0.1);
    feed(Bytes(esme.begin() + 10, esme.begin() + 60), 1010, true, 0.2);
    feed(Bytes(esme.begin() + 60, esme.end()), 1060, true, 0.3);
    feed(concat_bytes(resp_pdu(smpp::command::bind_transceiver, 1, "SMSC"), resp_pdu(smpp::command::submit_sm, 2, "abc")),
         5000, false, 0.4);
    worker.end_source();
    const auto stats = worker.stats();
    CHECK(stats.at("smpp.pdus") == 4);
    CHECK(stats.at("smpp.parse_errors") == 0);
    CHECK(stats.at("smpp.tcp_streams") == 1);
    CHECK(stats.at("sip.tcp_streams") == 0);
    REQUIRE(sink.contacts.size() == 1);
    const auto& c = sink.contacts[0];
    CHECK(c.kind == record::ContactKind::sms);
    CHECK(c.source == "unit");
    CHECK(c.ingress.src_port == 41000);
    CHECK(c.sms->account == "esme-7");
    CHECK(c.sms->text == "Tài khoản của bạn đã bị khóa");
    CHECK(c.sms->smpp->message_ids == std::vector<std::string>{"abc"});
    CHECK(log_text.str().find("s3cret") == std::string::npos);
}

TEST_CASE("tracker: the same reference to two recipients is two messages") {
    Collector sink;
    SmsTracker tracker({}, sink);
    for (const char* destination : {"84911111111", "84922222222"}) {
        for (std::uint8_t seq : {1, 2}) {
            SubmitSpec s;
            s.esm_class = 0x40;
            s.destination = destination;
            s.short_message = concat_bytes(udh_concat(5, 2, seq), {static_cast<std::uint8_t>('0' + seq)});
            tracker.on_part(part_of(submit_pdu(s)));
        }
    }
    REQUIRE(sink.contacts.size() == 2);
    CHECK(sink.contacts[0].sms->recipients[0].address == "84911111111");
    CHECK(sink.contacts[0].sms->text == "12");
    CHECK(sink.contacts[1].sms->recipients[0].address == "84922222222");
    CHECK(sink.contacts[1].sms->parts.complete);
}
