#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>

#include "app/inline_gate.h"
#include "app/replay.h"
#include "net/rewrite.h"
#include "pcapgen/packet_builder.h"
#include "pcapgen/smpp_builder.h"
#include "sip/message.h"
#include "smpp/pdu.h"
#include "tcp_streams.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::app;
using test_support::TcpStreams;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// The verdict golden config (test pack, shipped plan and lists, trunks of the bundled captures)
// with an enforcing policy written here.
struct GateFixture {
    GateFixture() {
        policy_file.write(R"(
mode: enforce
tag_headers: ["X-Scam-Score: {score}", "X-Scam-Rule: {rule}"]
rules:
  - name: spoofed-cli
    when: {kind: call, checks: [cli.domestic_on_international]}
    then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}
  - name: sms-from-intl
    when: {kind: sms, trunk: [intl-carrier]}
    then: {action: drop}
  - name: refuse-bulk-customer
    when: {kind: sms, protocol: [smpp], trunk: [bulk-sms-customers]}
    then: {action: reject, smpp_status: 0x0A}
  - name: mark-domestic-peer
    when: {kind: call, trunk: [domestic-peer]}
    then: {action: tag, display_name_prefix: "[SCAM?] "}
)");
        config = load_config(kSource + "/tests/golden/verdicts.yaml");
        config.policy_path = policy_file.path();
        detection.emplace(load_detection(config, {}, log));
    }
    test_support::TempFile policy_file{"inline-gate-policy", ".yaml"};  // this fixture's own
    std::ostringstream log_text;
    Logger log{log_text};
    AppConfig config;
    std::optional<Detection> detection;
};

std::string invite(std::string_view caller, std::string_view call_id, std::string_view transport = "UDP") {
    return fmt::format(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
        "Via: SIP/2.0/{} 203.0.113.2:5060;branch=z9hG4bK-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: \"Ngan hang\" <sip:{}@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Length: 0\r\n\r\n",
        transport, call_id, caller, call_id);
}

net::FlowTuple tuple(std::string_view src, std::string_view dst, net::IpProto proto = net::IpProto::udp) {
    return {*IpAddress::parse(src), *IpAddress::parse(dst), 5060, 5060, proto};
}

// A TCP segment (PSH|ACK) carrying `payload`, built (checksums too) by the test generator.
net::PacketBytes tcp_segment(const net::FlowTuple& t, std::string_view payload, std::uint8_t flags = 0x18) {
    return pcapgen::PacketBuilder()
        .ipv4(t.src.to_string(), t.dst.to_string())
        .tcp({.src_port = t.src_port, .dst_port = t.dst_port, .seq = 1, .flags = flags})
        .payload(pcapgen::to_bytes(payload))
        .build();
}

std::string payload_of(const net::PacketBytes& ip) {
    auto layout = net::layout_of(ip);
    REQUIRE(layout);
    return std::string(as_text(ByteView(ip).subspan(layout->payload_offset, layout->end - layout->payload_offset)));
}

bool checksums_valid(const net::PacketBytes& ip) {
    net::PacketBytes copy = ip;
    return net::fix_checksums(copy) && copy == ip;
}

}  // namespace

TEST_CASE("inline gate, SIP over UDP: reject answers for the callee, retransmissions are dropped too") {
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const auto packet = net::build_udp_datagram(tuple("203.0.113.2", "192.0.2.2"), invite("+84912345678", "rej-1"));
    auto d = gate.on_packet(packet, seconds(100));
    CHECK(d.verdict == PacketVerdict::drop);
    CHECK(d.action == "reject");
    CHECK(d.enforced);
    CHECK_FALSE(d.rewritten);
    REQUIRE(d.reply);
    CHECK(d.reply->tuple == tuple("192.0.2.2", "203.0.113.2"));
    sip::Message reply;
    REQUIRE(sip::parse_message(d.reply->payload, sip::Framing::datagram, reply).status == sip::ParseStatus::ok);
    CHECK(reply.status_code == 606);
    CHECK(reply.reason_phrase == "Not Acceptable");
    CHECK(reply.first(sip::HeaderId::via) == "SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-rej-1");
    CHECK(reply.first(sip::HeaderId::cseq) == "1 INVITE");
    CHECK(reply.first(sip::HeaderId::call_id) == "rej-1");
    CHECK(sip::parse_name_addr(reply.first(sip::HeaderId::to))->tag().starts_with("sg"));

    // Recorded as carried out once the verdict is set; a retransmission is not a new decision.
    gate.settle(d, true);
    auto again = gate.on_packet(packet, seconds(100) + 500 * 1'000'000);
    CHECK(again.verdict == PacketVerdict::drop);
    CHECK(again.remembered);
    CHECK(again.decided.empty());
    const auto applied = gate.applied().take(record::sip_message_key("rej-1"));
    REQUIRE(applied);
    CHECK(applied->action == "reject");
    CHECK_FALSE(applied->not_enforced);
    REQUIRE(again.reply);
    CHECK(again.reply->payload == d.reply->payload);

    const auto clean = net::build_udp_datagram(tuple("203.0.113.2", "192.0.2.2"), invite("+442079460123", "ok-1"));
    auto ok = gate.on_packet(clean, seconds(101));
    CHECK(ok.verdict == PacketVerdict::accept);
    CHECK(ok.action == "allow");
    CHECK_FALSE(ok.enforced);
    CHECK_FALSE(ok.rewritten);
    CHECK_FALSE(ok.reply);
}

TEST_CASE("inline gate: what the ledger records per message (fail_open, TCP tag, submit_multi, monitor)") {
    namespace sb = pcapgen::smpp;
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    auto take = [&gate](const std::string& key) {
        auto entry = gate.applied().take(key);
        REQUIRE(entry);
        return *entry;
    };
    // A drop whose verdict could not be set: fail_open.
    auto d = gate.on_packet(net::build_udp_datagram(tuple("203.0.113.2", "192.0.2.2"), invite("+84912345678", "fo-1")),
                            seconds(100));
    CHECK(d.enforced);
    gate.settle(d, false);
    auto failed = take(record::sip_message_key("fo-1"));
    CHECK(failed.action == "reject");
    CHECK(failed.not_enforced == record::NotEnforcedReason::fail_open);

    // A tag on SIP over TCP is never applied.
    const net::FlowTuple domestic_tcp{*IpAddress::parse("198.51.100.7"), *IpAddress::parse("192.0.2.2"), 45000, 5060,
                                      net::IpProto::tcp};
    d = gate.on_packet(tcp_segment(domestic_tcp, invite("+84912345678", "tcp-tag-1", "TCP")), seconds(101));
    CHECK(d.action == "tag");
    CHECK_FALSE(d.enforced);
    CHECK_FALSE(d.rewritten);
    gate.settle(d, true);
    auto tcp_tag = take(record::sip_message_key("tcp-tag-1"));
    CHECK(tcp_tag.action == "tag");
    CHECK(tcp_tag.not_enforced == record::NotEnforcedReason::tcp_tag_unsupported);

    // A submit_multi from the bulk customer: rejected by the rule, never changed inline.
    auto as_text_bytes = [](const pcapgen::Bytes& b) { return std::string(b.begin(), b.end()); };
    const auto esme = tuple("192.0.2.2", "198.51.100.2", net::IpProto::tcp);
    TcpStreams streams;
    gate.settle(gate.on_packet(streams.segment(esme, as_text_bytes(sb::bind(sb::cmd::bind_transceiver, 1, "scamgate-esme1", "pw"))),
                               seconds(102)),
                true);
    sb::SubmitMulti multi;
    multi.message.source = {"VCB", 5, 0};
    const std::string text = "Tai khoan cua ban da bi khoa";
    multi.message.short_message.assign(text.begin(), text.end());
    multi.destinations.push_back({false, {"84912345678", 1, 1}, {}});
    d = gate.on_packet(streams.segment(esme, as_text_bytes(sb::submit_multi(5, multi))), seconds(103));
    CHECK(d.action == "reject");
    CHECK_FALSE(d.enforced);
    CHECK_FALSE(d.rewritten);
    gate.settle(d, true);
    auto submit_multi = take(record::smpp_message_key(esme, 5));
    CHECK(submit_multi.action == "reject");
    CHECK(submit_multi.not_enforced == record::NotEnforcedReason::submit_multi);
}

TEST_CASE("inline gate, monitor mode: the decision is recorded as not carried out (monitor)") {
    GateFixture f;
    f.detection->policy.mode = policy::Mode::monitor;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    auto d = gate.on_packet(net::build_udp_datagram(tuple("203.0.113.2", "192.0.2.2"), invite("+84912345678", "mon-1")),
                            seconds(100));
    CHECK(d.action == "reject");
    CHECK(d.verdict == PacketVerdict::accept);
    CHECK_FALSE(d.enforced);
    gate.settle(d, true);
    const auto applied = gate.applied().take(record::sip_message_key("mon-1"));
    REQUIRE(applied);
    CHECK(applied->not_enforced == record::NotEnforcedReason::monitor);
}

TEST_CASE("inline gate, SIP over UDP: tag inserts the headers and prefixes the display name") {
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const auto packet = net::build_udp_datagram(tuple("198.51.100.7", "192.0.2.2"), invite("+84912345678", "tag-1"));
    auto d = gate.on_packet(packet, seconds(100));
    CHECK(d.verdict == PacketVerdict::accept);
    CHECK(d.action == "tag");
    REQUIRE(d.rewritten);
    CHECK(checksums_valid(*d.rewritten));
    const std::string text = payload_of(*d.rewritten);
    sip::Message tagged;
    REQUIRE(sip::parse_message(text, sip::Framing::datagram, tagged).status == sip::ParseStatus::ok);
    CHECK(tagged.first(sip::HeaderId::from) == "\"[SCAM?] Ngan hang\" <sip:+84912345678@203.0.113.2;user=phone>;tag=c1");
    REQUIRE(tagged.headers.size() >= 2);
    CHECK(tagged.headers[tagged.headers.size() - 1].name == "X-Scam-Rule");
    CHECK(tagged.headers[tagged.headers.size() - 1].value == "mark-domestic-peer");
    CHECK(tagged.headers[tagged.headers.size() - 2].name == "X-Scam-Score");
    StatsReport stats;
    gate.append_stats(stats);
    CHECK(stats.at("inline.tagged") == 1);
}

TEST_CASE("inline gate, SIP MESSAGE over UDP: drop") {
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const std::string message =
        "MESSAGE sip:+84903002002@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-m1\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:+84912345678@203.0.113.2>;tag=m1\r\nTo: <sip:+84903002002@192.0.2.2>\r\n"
        "Call-ID: msg-1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    auto d = gate.on_packet(net::build_udp_datagram(tuple("203.0.113.2", "192.0.2.2"), message), seconds(100));
    CHECK(d.verdict == PacketVerdict::drop);
    CHECK(d.action == "drop");
    CHECK_FALSE(d.reply);
}

TEST_CASE("inline gate, SIP over TCP: reject zeroes Max-Forwards in place and turns the 483 into the rule's answer") {
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const auto out = tuple("203.0.113.2", "192.0.2.2", net::IpProto::tcp);
    const std::string request = invite("+84912345678", "tcp-1", "TCP");
    const auto segment = tcp_segment(out, request);
    auto d = gate.on_packet(segment, seconds(100));
    CHECK(d.verdict == PacketVerdict::accept);  // never drop a segment of a shared connection
    CHECK(d.action == "reject");
    REQUIRE(d.rewritten);
    CHECK(d.rewritten->size() == segment.size());
    CHECK(checksums_valid(*d.rewritten));
    std::string expected = request;
    expected.replace(expected.find("Max-Forwards: 70"), 16, "Max-Forwards: 00");
    CHECK(payload_of(*d.rewritten) == expected);

    const std::string too_many =
        "SIP/2.0 483 Too Many Hops\r\nVia: SIP/2.0/TCP 203.0.113.2:5060;branch=z9hG4bK-tcp-1\r\n"
        "From: \"Ngan hang\" <sip:+84912345678@203.0.113.2;user=phone>;tag=c1\r\nTo: <sip:+84903002002@192.0.2.2>;tag=x\r\n"
        "Call-ID: tcp-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    auto r = gate.on_packet(tcp_segment(out.reversed(), too_many), seconds(100) + 1'000'000);
    CHECK(r.verdict == PacketVerdict::accept);
    REQUIRE(r.rewritten);
    CHECK(checksums_valid(*r.rewritten));
    const std::string answer = payload_of(*r.rewritten);
    CHECK(answer.size() == too_many.size());
    CHECK(answer.starts_with("SIP/2.0 606 Not Acceptabl\r\n"));  // the reason fitted into 13 characters
    CHECK(answer.substr(26) == too_many.substr(26));

    // A 483 for a call we did not touch passes unchanged.
    auto other = gate.on_packet(tcp_segment(out.reversed(), too_many), seconds(100) + 2'000'000);
    CHECK_FALSE(other.rewritten);
    StatsReport stats;
    gate.append_stats(stats);
    CHECK(stats.at("inline.tcp_rewritten") == 1);
    CHECK(stats.at("inline.tcp_responses_rewritten") == 1);
}

TEST_CASE("inline gate, SIP over TCP: a request whose head is cut across segments is judged when its head is whole") {
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    TcpStreams streams;
    const auto out = tuple("203.0.113.2", "192.0.2.2", net::IpProto::tcp);

    SUBCASE("the Max-Forwards digits went by in the first segment: left alone, the decision says tcp_unsafe") {
        const std::string request = invite("+84912345678", "tcp-2", "TCP");
        const std::size_t cut = request.find("From:");
        auto d = gate.on_packet(streams.segment(out, request.substr(0, cut)), seconds(100));
        CHECK(d.action.empty());  // nothing to judge yet: the head is not whole
        CHECK_FALSE(d.rewritten);
        gate.settle(d, true);
        d = gate.on_packet(streams.segment(out, request.substr(cut)), seconds(100) + 1000);
        CHECK(d.action == "reject");
        CHECK(d.verdict == PacketVerdict::accept);
        CHECK_FALSE(d.rewritten);
        CHECK_FALSE(d.enforced);
        gate.settle(d, true);
        const auto applied = gate.applied().take(record::sip_message_key("tcp-2"));
        REQUIRE(applied);
        CHECK(applied->action == "reject");
        CHECK(applied->not_enforced == record::NotEnforcedReason::tcp_unsafe);
        StatsReport stats;
        gate.append_stats(stats);
        CHECK(stats.at("inline.tcp_unsafe") == 1);
        CHECK(stats.at("inline.tcp_rewritten") == 0);
    }
    SUBCASE("the digits come in the segment that completes the head: refused there") {
        const std::string request = invite("+84912345678", "tcp-3", "TCP");
        const std::size_t cut = request.find("Max-Forwards:");
        auto d = gate.on_packet(streams.segment(out, request.substr(0, cut)), seconds(100));
        CHECK_FALSE(d.rewritten);
        gate.settle(d, true);
        d = gate.on_packet(streams.segment(out, request.substr(cut)), seconds(100) + 1000);
        CHECK(d.action == "reject");
        CHECK(d.enforced);
        REQUIRE(d.rewritten);
        CHECK(checksums_valid(*d.rewritten));
        CHECK(payload_of(*d.rewritten).starts_with("Max-Forwards: 00\r\n"));
        StatsReport stats;
        gate.append_stats(stats);
        CHECK(stats.at("inline.tcp_unsafe") == 0);
        CHECK(stats.at("inline.tcp_rewritten") == 1);
    }
}

TEST_CASE("inline gate, SMPP: a refused submit_sm gets an invalid destination TON, its response the rule's status") {
    namespace sb = pcapgen::smpp;
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const auto esme = tuple("192.0.2.2", "198.51.100.2", net::IpProto::tcp);
    TcpStreams streams;
    auto as_text_bytes = [](const pcapgen::Bytes& b) { return std::string(b.begin(), b.end()); };
    auto bind = gate.on_packet(streams.segment(esme, as_text_bytes(sb::bind(sb::cmd::bind_transceiver, 1, "scamgate-esme1", "pw"))),
                               seconds(100));
    CHECK_FALSE(bind.rewritten);

    sb::ShortMessage m;
    m.service_type = "CMT";
    m.source = {"VCB", 5, 0};
    m.destination = {"84912345678", 1, 1};
    const std::string text = "Tai khoan cua ban da bi khoa";
    m.short_message.assign(text.begin(), text.end());
    // Two PDUs in one segment: an enquire_link, then the submit_sm.
    const std::string segment = as_text_bytes(sb::pdu(sb::cmd::enquire_link, 0, 2, {})) + as_text_bytes(sb::submit_sm(3, m));
    const auto packet = streams.segment(esme, segment);
    auto d = gate.on_packet(packet, seconds(101));
    CHECK(d.verdict == PacketVerdict::accept);
    CHECK(d.action == "reject");
    REQUIRE(d.rewritten);
    CHECK(d.rewritten->size() == packet.size());
    CHECK(checksums_valid(*d.rewritten));
    const std::string changed = payload_of(*d.rewritten);
    smpp::Pdu parsed;
    REQUIRE(smpp::parse_pdu(as_bytes(std::string_view(changed).substr(16)), parsed).ok);
    const auto& sm = std::get<smpp::ShortMessage>(parsed.body);
    REQUIRE(sm.destinations.size() == 1);
    CHECK(sm.destinations[0].ton == 7);
    CHECK(sm.destinations[0].npi == 1);
    CHECK(sm.destinations[0].value == "84912345678");
    CHECK(sm.source.value == "VCB");
    // Only that one byte differs.
    int differing = 0;
    for (std::size_t i = 0; i < segment.size(); ++i) differing += changed[i] != segment[i];
    CHECK(differing == 1);

    // The SMSC refuses it (ESME_RINVDSTTON 0x50); the ESME is told the rule's status instead.
    const auto refused = streams.segment(esme.reversed(), as_text_bytes(sb::submit_sm_resp(3, "", 0x50)));
    auto r = gate.on_packet(refused, seconds(101) + 1'000'000);
    REQUIRE(r.rewritten);
    CHECK(checksums_valid(*r.rewritten));
    smpp::Pdu response;
    REQUIRE(smpp::parse_pdu(as_bytes(payload_of(*r.rewritten)), response).ok);
    CHECK(response.header.status == 0x0Au);
    CHECK(response.header.sequence == 3u);

    // Another account's message is allowed and passes unchanged, as does its response.
    const auto other = tuple("192.0.2.9", "198.51.100.2", net::IpProto::tcp);
    (void)gate.on_packet(streams.segment(other, as_text_bytes(sb::bind(sb::cmd::bind_transmitter, 1, "other-esme", "pw"))), seconds(102));
    auto ok = gate.on_packet(streams.segment(other, as_text_bytes(sb::submit_sm(2, m))), seconds(102));
    CHECK(ok.action == "allow");
    CHECK_FALSE(ok.rewritten);
    CHECK_FALSE(gate.on_packet(streams.segment(other.reversed(), as_text_bytes(sb::submit_sm_resp(2, "id1"))), seconds(102)).rewritten);
    // The ESME's connection closes (FIN): its bind, and so its account, is gone. The same message
    // on a new connection with the same addresses and ports, before any bind, has no account.
    (void)gate.on_packet(streams.segment(esme, "", 0x11), seconds(103));
    (void)gate.on_packet(streams.segment(esme, "", 0x02), seconds(104));
    auto unbound = gate.on_packet(streams.segment(esme, as_text_bytes(sb::submit_sm(4, m))), seconds(104));
    CHECK(unbound.action == "allow");
    CHECK(unbound.call_id == "smpp ? seq 4");
    CHECK_FALSE(unbound.rewritten);
    StatsReport stats;
    gate.append_stats(stats);
    CHECK(stats.at("inline.smpp_rewritten") == 1);
    CHECK(stats.at("inline.smpp_responses_rewritten") == 1);
    CHECK(stats.at("inline.smpp_decided") == 3);
    CHECK(stats.at("inline.sip_decided") == 0);
}

TEST_CASE("inline gate: a VLAN-tagged frame matches a vlans: trunk") {
    // The international trunk is defined only by its VLAN; 10.99.0.2 is on no trunk by address.
    GateFixture f;
    detect::Trunk by_vlan;
    by_vlan.name = "intl-vlan";
    by_vlan.role = "international";
    by_vlan.vlans = {100};
    Detection detection = load_detection(f.config, {by_vlan}, f.log);
    InlineGate gate(detection.detector, detection.policy, f.config.pipeline);
    auto frame = [](std::optional<std::uint16_t> vlan, std::string_view call_id) {
        pcapgen::PacketBuilder builder;
        builder.ethernet();
        if (vlan) builder.vlan(*vlan);
        return builder.ipv4("10.99.0.2", "192.0.2.2").udp(5060, 5060).payload(invite("+84912345678", call_id)).build();
    };
    auto ethernet = [](const pcapgen::Bytes& bytes) {
        return capture::Packet{seconds(100), pcapgen::linktype::ethernet, ByteView(bytes),
                               static_cast<std::uint32_t>(bytes.size()), 1};
    };

    // On VLAN 100: the trunk is international, the domestic CLI is spoofed: the rule's reject.
    const auto tagged = frame(100, "vlan-1");
    auto d = gate.on_packet(ethernet(tagged));
    CHECK(d.action == "reject");
    CHECK(d.verdict == PacketVerdict::drop);
    CHECK(d.enforced);
    REQUIRE(d.reply);
    CHECK(d.reply->tuple == tuple("192.0.2.2", "10.99.0.2"));
    REQUIRE(d.decided.size() == 1);
    CHECK(d.decided.front().key == record::sip_message_key("vlan-1"));
    CHECK_FALSE(d.decided.front().not_enforced);

    // The same INVITE on another VLAN, untagged, or handed over as bare IP (no link layer, so no
    // VLAN) is on no trunk: allowed.
    const auto other_vlan = frame(200, "vlan-2");
    const auto untagged = frame(std::nullopt, "vlan-3");
    for (const auto* bytes : {&other_vlan, &untagged}) {
        auto allowed = gate.on_packet(ethernet(*bytes));
        CHECK(allowed.action == "allow");
        CHECK(allowed.verdict == PacketVerdict::accept);
    }
    auto bare = gate.on_packet(net::build_udp_datagram(tuple("10.99.0.2", "192.0.2.2"), invite("+84912345678", "vlan-4")),
                               seconds(100));
    CHECK(bare.action == "allow");
    CHECK(bare.verdict == PacketVerdict::accept);
}

TEST_CASE("inline gate, SMPP: the worker's streams name the account even when the bind is not at a segment start") {
    namespace sb = pcapgen::smpp;
    GateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const auto esme = tuple("192.0.2.2", "198.51.100.2", net::IpProto::tcp);
    TcpStreams streams;
    auto as_text_bytes = [](const pcapgen::Bytes& b) { return std::string(b.begin(), b.end()); };
    // An enquire_link cut across two segments; the bind follows its tail in the second one. A
    // reader of single segments misses that bind; the worker's reassembled stream does not.
    const std::string enquire = as_text_bytes(sb::pdu(sb::cmd::enquire_link, 0, 1, {}));
    (void)gate.on_packet(streams.segment(esme, enquire.substr(0, 10)), seconds(100));
    (void)gate.on_packet(streams.segment(esme, enquire.substr(10) + as_text_bytes(sb::bind(sb::cmd::bind_transceiver, 2,
                                                                                          "scamgate-esme1", "pw"))),
                         seconds(100));
    sb::ShortMessage m;
    m.source = {"VCB", 5, 0};
    m.destination = {"84912345678", 1, 1};
    const std::string text = "Tai khoan cua ban da bi khoa";
    m.short_message.assign(text.begin(), text.end());
    const std::string submit = as_text_bytes(sb::submit_sm(3, m));
    auto d = gate.on_packet(streams.segment(esme, submit), seconds(101));
    CHECK(d.call_id == "smpp scamgate-esme1 seq 3");
    CHECK(d.action == "reject");
    CHECK(d.enforced);
    REQUIRE(d.rewritten);

    // A submit_sm cut across two segments completes in the second, whose bytes hold only its
    // tail: judged, but the TON byte went by in the first segment, so it is not carried out.
    auto first = gate.on_packet(streams.segment(esme, as_text_bytes(sb::submit_sm(4, m)).substr(0, 20)), seconds(102));
    CHECK(first.action.empty());
    auto second = gate.on_packet(streams.segment(esme, as_text_bytes(sb::submit_sm(4, m)).substr(20)), seconds(102));
    CHECK(second.action == "reject");
    CHECK_FALSE(second.enforced);
    CHECK_FALSE(second.rewritten);
    REQUIRE(second.decided.size() == 1);
    CHECK(second.decided.front().not_enforced == record::NotEnforcedReason::tcp_unsafe);
    StatsReport stats;
    gate.append_stats(stats);
    CHECK(stats.at("inline.tcp_unsafe") == 1);
    CHECK(stats.at("inline.smpp_decided") == 2);
}
