// The inline gate on what the next hop routes but a strict parser would refuse: SIP over
// WebSocket (masked and unmasked frames), a TCP request whose body goes on in later segments,
// a bad Content-Length over UDP, a method in lower case.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "app/inline_gate.h"
#include "app/replay.h"
#include "net/rewrite.h"
#include "pcapgen/packet_builder.h"
#include "pcapgen/websocket_builder.h"
#include "sip/message.h"
#include "sip/websocket.h"
#include "tcp_streams.h"

using namespace scamgate;
using namespace scamgate::app;
using test_support::TcpStreams;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;
constexpr std::array<std::uint8_t, 4> kMask{0x5a, 0x11, 0xc3, 0x7e};

// The verdict golden config with an enforcing policy in a file of this test's own.
struct Fixture {
    Fixture() {
        char dir_template[] = "/tmp/scamgate-inline-lenient-XXXXXX";
        dir = ::mkdtemp(dir_template);
        const std::string policy_path = dir + "/policy.yaml";
        std::ofstream(policy_path) << R"(
mode: enforce
rules:
  - name: spoofed-cli
    when: {kind: call, checks: [cli.domestic_on_international]}
    then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}
  - name: mark-domestic-peer
    when: {kind: call, trunk: [domestic-peer]}
    then: {action: tag, display_name_prefix: "[SCAM?] "}
)";
        config = load_config(kSource + "/tests/golden/verdicts.yaml");
        config.policy_path = policy_path;
        detection.emplace(load_detection(config, {}, log));
    }
    ~Fixture() { std::filesystem::remove_all(dir); }
    std::string dir;
    std::ostringstream log_text;
    Logger log{log_text};
    AppConfig config;
    std::optional<Detection> detection;
};

std::string invite(std::string_view caller, std::string_view call_id, std::string_view transport,
                   std::string_view body = "", std::string_view content_length = "") {
    return fmt::format(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
        "Via: SIP/2.0/{} 203.0.113.2:45000;branch=z9hG4bK-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: \"Ngan hang\" <sip:{}@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: {}\r\n\r\n{}",
        transport, call_id, caller, call_id, content_length.empty() ? std::to_string(body.size()) : content_length,
        body);
}

const net::FlowTuple kClientToServer{*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), 45000, 8089,
                                     net::IpProto::tcp};

net::PacketBytes tcp_segment(const net::FlowTuple& t, std::string_view payload) {
    return pcapgen::PacketBuilder()
        .ipv4(t.src.to_string(), t.dst.to_string())
        .tcp({.src_port = t.src_port, .dst_port = t.dst_port, .seq = 1, .flags = 0x18})
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

// The payload of the single frame in `bytes`, unmasked.
std::string frame_text(std::string_view bytes) {
    sip::FrameHeader frame;
    REQUIRE(sip::read_frame_header(as_bytes(bytes), frame) == sip::FrameParse::ok);
    std::string plain(bytes.substr(frame.header_length));
    REQUIRE(plain.size() == frame.payload_length);
    if (frame.masked) sip::apply_mask(std::span<char>(plain.data(), plain.size()), frame.mask, 0);
    return plain;
}

std::uint64_t stat(const InlineGate& gate, const std::string& key) {
    StatsReport stats;
    gate.append_stats(stats);
    REQUIRE(stats.values().count(key) == 1);
    return stats.values().at(key);
}

}  // namespace

TEST_CASE("inline gate, SIP over WebSocket: reject zeroes Max-Forwards inside the frame, masked or not") {
    Fixture f;
    for (bool masked : {true, false}) {
        CAPTURE(masked);
        InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
        const std::string call_id = masked ? "ws-masked-1" : "ws-plain-1";
        const std::string request = invite("+84912345678", call_id, "WS");
        const std::string frame =
            pcapgen::websocket_frame(request, {.mask = masked ? std::optional(kMask) : std::nullopt});
        const auto segment = tcp_segment(kClientToServer, frame);
        auto d = gate.on_packet(segment, seconds(100));
        CHECK(d.verdict == PacketVerdict::accept);
        CHECK(d.action == "reject");
        CHECK(d.call_id == call_id);
        REQUIRE(d.rewritten);
        CHECK(d.rewritten->size() == segment.size());
        CHECK(checksums_valid(*d.rewritten));
        std::string expected = request;
        expected.replace(expected.find("Max-Forwards: 70"), 16, "Max-Forwards: 00");
        CHECK(frame_text(payload_of(*d.rewritten)) == expected);

        // The next hop's 483 comes back in an unmasked server frame, with a ping before it.
        const std::string too_many =
            "SIP/2.0 483 Too Many Hops\r\nVia: SIP/2.0/WS 203.0.113.2:45000;branch=z9hG4bK-" + call_id +
            "\r\nFrom: <sip:+84912345678@203.0.113.2;user=phone>;tag=c1\r\nTo: <sip:+84903002002@192.0.2.2>;tag=x\r\n"
            "Call-ID: " + call_id + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        const std::string ping = pcapgen::websocket_frame("k", {.opcode = sip::opcode::ping});
        auto r = gate.on_packet(tcp_segment(kClientToServer.reversed(), ping + pcapgen::websocket_frame(too_many)),
                                seconds(100) + 1'000'000);
        REQUIRE(r.rewritten);
        CHECK(checksums_valid(*r.rewritten));
        const std::string answer = frame_text(payload_of(*r.rewritten).substr(ping.size()));
        CHECK(answer.starts_with("SIP/2.0 606 Not Acceptabl\r\n"));
        CHECK(answer.size() == too_many.size());
        CHECK(stat(gate, "inline.tcp_rewritten") == 1);
        CHECK(stat(gate, "inline.tcp_responses_rewritten") == 1);
    }
}

TEST_CASE("inline gate, SIP over WebSocket: fragmented or cut frames are judged but left alone, tag is an alert") {
    Fixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    TcpStreams streams;
    // A message in two fragments: judged when the second arrives, but the first (with the
    // Max-Forwards digits) is gone.
    const auto parts = pcapgen::websocket_fragments(invite("+84912345678", "ws-frag", "WS"), 2, 0x1, kMask);
    auto d = gate.on_packet(streams.segment(kClientToServer, parts[0]), seconds(100));
    CHECK(d.action.empty());
    CHECK_FALSE(d.rewritten);
    gate.settle(d, true);
    d = gate.on_packet(streams.segment(kClientToServer, parts[1]), seconds(100) + 1000);
    CHECK(d.action == "reject");
    CHECK_FALSE(d.rewritten);
    CHECK_FALSE(d.enforced);
    gate.settle(d, true);
    // One frame cut across two segments: judged when it is whole, its first bytes gone.
    const std::string whole = pcapgen::websocket_frame(invite("+84912345678", "ws-cut", "WS"), {.mask = kMask});
    d = gate.on_packet(streams.segment(kClientToServer, whole.substr(0, whole.size() - 10)), seconds(101));
    CHECK(d.action.empty());
    gate.settle(d, true);
    d = gate.on_packet(streams.segment(kClientToServer, whole.substr(whole.size() - 10)), seconds(101) + 1000);
    CHECK(d.action == "reject");
    CHECK_FALSE(d.rewritten);
    gate.settle(d, true);
    CHECK(stat(gate, "inline.tcp_unsafe") == 2);
    CHECK(stat(gate, "inline.tcp_rewritten") == 0);
    for (const char* call_id : {"ws-frag", "ws-cut"}) {
        CAPTURE(call_id);
        const auto applied = gate.applied().take(record::sip_message_key(call_id));
        REQUIRE(applied);
        CHECK(applied->action == "reject");
        CHECK(applied->not_enforced == record::NotEnforcedReason::tcp_unsafe);
    }

    const net::FlowTuple domestic{*IpAddress::parse("198.51.100.7"), *IpAddress::parse("192.0.2.2"), 45000, 8089,
                                  net::IpProto::tcp};
    d = gate.on_packet(tcp_segment(domestic, pcapgen::websocket_frame(invite("+84912345678", "ws-tag", "WS"),
                                                                        {.mask = kMask})),
                       seconds(102));
    CHECK(d.action == "tag");
    CHECK_FALSE(d.rewritten);
    CHECK_FALSE(d.enforced);
    CHECK(stat(gate, "inline.not_applied") == 1);
    gate.settle(d, true);
    const auto tagged = gate.applied().take(record::sip_message_key("ws-tag"));
    REQUIRE(tagged);
    CHECK(tagged->action == "tag");
    CHECK(tagged->not_enforced == record::NotEnforcedReason::tcp_tag_unsupported);
}

TEST_CASE("inline gate, TCP: a request whose body goes on in later segments is decided from its headers") {
    Fixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const std::string request = invite("+84912345678", "big-body", "TCP", std::string(64 * 1024, 's'));
    const net::FlowTuple t{*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), 45000, 5060,
                           net::IpProto::tcp};
    const std::string first = request.substr(0, 1400);
    auto d = gate.on_packet(tcp_segment(t, first), seconds(100));
    CHECK(d.action == "reject");
    REQUIRE(d.rewritten);
    std::string expected = first;
    expected.replace(expected.find("Max-Forwards: 70"), 16, "Max-Forwards: 00");
    CHECK(payload_of(*d.rewritten) == expected);
    CHECK(stat(gate, "inline.tcp_unsafe") == 0);
}

TEST_CASE("inline gate, UDP: a bad Content-Length or a lower-case method is still decided") {
    Fixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const net::FlowTuple t{*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), 5060, 5060,
                           net::IpProto::udp};
    for (std::string_view cl : {"-1", "abc", "99999999999999999999"}) {
        CAPTURE(cl);
        const std::string call_id = "bad-cl-" + std::string(cl.substr(0, 3));
        auto d = gate.on_packet(net::build_udp_datagram(t, invite("+84912345678", call_id, "UDP", "v=0\r\n", cl)),
                                seconds(100));
        CHECK(d.verdict == PacketVerdict::drop);
        CHECK(d.action == "reject");
        REQUIRE(d.reply);
        CHECK(d.reply->payload.starts_with("SIP/2.0 606 Not Acceptable\r\n"));
    }
    std::string lower = invite("+84912345678", "lower-1", "UDP");
    lower.replace(0, 6, "iNvItE");
    auto d = gate.on_packet(net::build_udp_datagram(t, lower), seconds(101));
    CHECK(d.verdict == PacketVerdict::drop);
    CHECK(d.action == "reject");
    CHECK(stat(gate, "inline.sip_decided") == 4);
}
