// inline.unparsed: what the gate does with a packet on a SIP or SMPP port it cannot parse.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "enforce/inline_gate.h"
#include "app/replay.h"
#include "net/rewrite.h"
#include "pcapgen/packet_builder.h"

using namespace scamgate;
using namespace scamgate::app;
using namespace scamgate::enforce;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// The verdict golden config with a one-rule policy in `mode`, written to a file of this test's own.
struct UnparsedFixture {
    explicit UnparsedFixture(std::string_view mode) {
        static int counter = 0;
        policy_path = std::filesystem::temp_directory_path() /
                      fmt::format("scamgate-unparsed-{}-{}.yaml", ::getpid(), ++counter);
        std::ofstream(policy_path) << fmt::format(
            "mode: {}\nrules:\n  - name: alert-calls\n    when: {{kind: call}}\n    then: {{action: alert}}\n", mode);
        config = load_config(kSource + "/tests/golden/verdicts.yaml");
        config.policy_path = policy_path.string();
        detection.emplace(load_detection(config, {}, log));
    }
    ~UnparsedFixture() { std::filesystem::remove(policy_path); }

    // A gate with inline.unparsed = `action`, its events collected in `events`.
    std::unique_ptr<InlineGate> gate(UnparsedAction action) {
        auto g = std::make_unique<InlineGate>(detection->detector, detection->policy, config.pipeline,
                                              InlineSettings{action});
        g->report_unparsed_to([this](const output::UnparsedEvent& e) { events.push_back(e); });
        return g;
    }

    std::filesystem::path policy_path;
    std::ostringstream log_text;
    Logger log{log_text};
    AppConfig config;
    std::optional<policy::Detection> detection;
    std::vector<output::UnparsedEvent> events;
};

net::FlowTuple udp(std::uint16_t src_port, std::uint16_t dst_port) {
    return {*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), src_port, dst_port, net::IpProto::udp};
}

net::PacketBytes tcp_segment(std::string_view payload) {
    return pcapgen::PacketBuilder()
        .ipv4("203.0.113.2", "192.0.2.2")
        .tcp({.src_port = 40123, .dst_port = 5060, .seq = 1, .flags = 0x18})
        .payload(pcapgen::to_bytes(payload))
        .build();
}

const std::string kInviteWithoutCallId =
    "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-nocid\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:+442079460123@203.0.113.2>;tag=a\r\n"
    "To: <sip:+84903002002@192.0.2.2>\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";

std::uint64_t counter(const InlineGate& gate, const std::string& key) {
    StatsReport stats;
    gate.append_stats(stats);
    return stats.values().at(key);  // throws on a renamed key
}

}  // namespace

TEST_CASE("inline.unparsed allow: a non-SIP datagram on a SIP port is forwarded, counted and evented") {
    UnparsedFixture f("enforce");
    auto gate = f.gate(UnparsedAction::allow);
    const auto d = gate->on_packet(net::build_udp_datagram(udp(5060, 5060), "HELLO scamgate\r\n"), seconds(10));
    CHECK(d.verdict == PacketVerdict::accept);
    CHECK(d.unparsed == "sip.bad_start_line");
    CHECK(d.action == "allow");
    CHECK_FALSE(d.enforced);
    REQUIRE(f.events.size() == 1);
    CHECK(f.events[0].anomaly == "sip.bad_start_line");
    CHECK(f.events[0].action == "allow");
    CHECK_FALSE(f.events[0].enforced);
    CHECK(f.events[0].ingress.transport == "udp");
    CHECK(f.events[0].ingress.dst_port == 5060);
    CHECK(f.events[0].ts == seconds(10));
    CHECK(counter(*gate, "inline.unparsed") == 1);
    CHECK(counter(*gate, "inline.unparsed_dropped") == 0);
    const auto json = output::to_json(f.events[0]);
    CHECK(json["kind"] == "unparsed");
    CHECK(json["wire"] == "forwarded");
}

TEST_CASE("inline.unparsed drop: dropped in enforce mode, forwarded in monitor mode") {
    SUBCASE("enforce") {
        UnparsedFixture f("enforce");
        auto gate = f.gate(UnparsedAction::drop);
        const auto d = gate->on_packet(net::build_udp_datagram(udp(40000, 5060), "\x01\x02garbage"), seconds(1));
        CHECK(d.verdict == PacketVerdict::drop);
        CHECK(d.enforced);
        REQUIRE(f.events.size() == 1);
        CHECK(f.events[0].enforced);
        CHECK(output::to_json(f.events[0])["wire"] == "dropped");
        CHECK(counter(*gate, "inline.unparsed_dropped") == 1);
    }
    SUBCASE("monitor") {
        UnparsedFixture f("monitor");
        auto gate = f.gate(UnparsedAction::drop);
        const auto d = gate->on_packet(net::build_udp_datagram(udp(40000, 5060), "\x01\x02garbage"), seconds(1));
        CHECK(d.verdict == PacketVerdict::accept);
        CHECK_FALSE(d.enforced);
        CHECK(d.action == "drop");
        CHECK(counter(*gate, "inline.unparsed") == 1);
        CHECK(counter(*gate, "inline.unparsed_dropped") == 0);
        CHECK(counter(*gate, "inline.not_applied") == 1);
    }
}

TEST_CASE("inline.unparsed: keepalives, STUN and other ports are not unparsed SIP") {
    UnparsedFixture f("enforce");
    auto gate = f.gate(UnparsedAction::drop);
    // RFC 5626 CRLF keepalive ping and pong.
    CHECK(gate->on_packet(net::build_udp_datagram(udp(5060, 5060), "\r\n\r\n"), seconds(1)).verdict == PacketVerdict::accept);
    CHECK(gate->on_packet(net::build_udp_datagram(udp(5060, 5060), "\r\n"), seconds(1)).verdict == PacketVerdict::accept);
    // A STUN binding request (RFC 8489): type 0x0001, length 0, magic cookie, transaction id.
    const std::string stun("\x00\x01\x00\x00\x21\x12\xA4\x42" "abcdefghijkl", 20);
    CHECK(gate->on_packet(net::build_udp_datagram(udp(5060, 5060), stun), seconds(1)).verdict == PacketVerdict::accept);
    // Junk on a port that is not a SIP port is not ours to judge.
    CHECK(gate->on_packet(net::build_udp_datagram(udp(40000, 40001), "HELLO"), seconds(1)).verdict == PacketVerdict::accept);
    CHECK(f.events.empty());
    CHECK(counter(*gate, "inline.unparsed") == 0);
}

TEST_CASE("inline.unparsed: an INVITE without Call-ID is judged unparsed, and on TCP it is never dropped") {
    UnparsedFixture f("enforce");
    auto gate = f.gate(UnparsedAction::drop);
    const auto over_udp = gate->on_packet(net::build_udp_datagram(udp(5060, 5060), kInviteWithoutCallId), seconds(1));
    CHECK(over_udp.unparsed == "sip.missing_call_id");
    CHECK(over_udp.verdict == PacketVerdict::drop);

    const auto over_tcp = gate->on_packet(tcp_segment(kInviteWithoutCallId), seconds(2));
    CHECK(over_tcp.unparsed == "sip.missing_call_id");
    CHECK(over_tcp.verdict == PacketVerdict::accept);
    CHECK_FALSE(over_tcp.enforced);
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[1].ingress.transport == "tcp");
    CHECK_FALSE(f.events[1].enforced);
    CHECK(counter(*gate, "inline.unparsed") == 2);
    CHECK(counter(*gate, "inline.unparsed_dropped") == 1);
    CHECK(counter(*gate, "inline.not_applied") == 1);
}

TEST_CASE("inline gate: an IP fragment in the queue is counted (the kernel should reassemble before it)") {
    UnparsedFixture f("enforce");
    auto gate = f.gate(UnparsedAction::drop);
    auto first = net::build_udp_datagram(udp(5060, 5060), kInviteWithoutCallId);
    REQUIRE(first.size() > 20);
    CHECK(counter(*gate, "inline.fragments") == 0);
    gate->on_packet(first, seconds(1));
    CHECK(counter(*gate, "inline.fragments") == 0);
    first[6] |= 0x20;  // more fragments: the first fragment of a larger datagram
    const auto d = gate->on_packet(first, seconds(2));
    CHECK(d.verdict == PacketVerdict::accept);  // a fragment alone is never judged, nor dropped
    CHECK(counter(*gate, "inline.fragments") == 1);
    CHECK(gate->fragments_seen() == 1);
}
