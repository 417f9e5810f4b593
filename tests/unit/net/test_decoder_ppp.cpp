// PPPoE session frames and PPTP (enhanced GRE version 1) with PPP inside.
#include <doctest/doctest.h>

#include <algorithm>

#include "test_decoder_harness.h"

using namespace scamgate;
using namespace scamgate::net;
using namespace scamgate::net::testing;
using pcapgen::Bytes;
using pcapgen::PacketBuilder;

namespace {

constexpr std::string_view kInvite = "INVITE sip:+842437001001@198.51.100.1 SIP/2.0\r\n\r\n";

// The stat, which must be one the decoder reports (a renamed counter fails instead of reading 0).
std::uint64_t known_stat(const DecoderHarness& h, std::string_view name) {
    (void)h;
    static const std::vector<std::string_view> known = {"decode.errors", "net.other", "pppoe.frames", "udp.datagrams",
                                                        "tunnel.pptp", "tunnel.gre", "ipv4.packets", "ipv6.packets"};
    const bool anomaly = name.starts_with("anomaly.");
    if (!anomaly) REQUIRE(std::find(known.begin(), known.end(), name) != known.end());
    if (anomaly) {
        bool described = false;
        for (std::size_t i = 0; i < static_cast<std::size_t>(NetAnomaly::count_); ++i) {
            described = described || name.substr(8) == describe(static_cast<NetAnomaly>(i)).name;
        }
        REQUIRE(described);
    }
    return h.stat(name);
}

PacketBuilder pppoe_udp(pcapgen::PppoeSpec spec = {}, bool ipv6 = false) {
    PacketBuilder b;
    b.ethernet().pppoe(spec);
    if (ipv6) b.ipv6("2001:db8::1", "2001:db8::2");
    else b.ipv4("100.64.0.7", "198.51.100.1");
    b.udp(5060, 5060).payload(kInvite);
    return b;
}

PacketBuilder pptp_udp(pcapgen::PptpSpec spec) {
    PacketBuilder b;
    b.ethernet().ipv4("192.0.2.10", "192.0.2.20").pptp(spec).ipv4("10.8.0.2", "198.51.100.1").udp(5060, 5060).payload(kInvite);
    return b;
}

}  // namespace

TEST_CASE("PPPoE session frames carry IPv4 and IPv6, with or without a compressed protocol field, behind VLANs") {
    for (bool ipv6 : {false, true}) {
        for (bool compressed : {false, true}) {
            CAPTURE(ipv6);
            CAPTURE(compressed);
            DecoderHarness h;
            h.feed(pppoe_udp({.session_id = 0x1a2b, .compress_protocol = compressed}, ipv6).build());
            REQUIRE(h.sink.delivered.size() == 1);
            CHECK(h.sink.delivered[0].payload == kInvite);
            CHECK(h.sink.delivered[0].tuple.src == pcapgen::ip(ipv6 ? "2001:db8::1" : "100.64.0.7"));
            CHECK(h.sink.delivered[0].encap.tunnel == TunnelKind::none);
            CHECK(known_stat(h, "pppoe.frames") == 1);
            CHECK(known_stat(h, "decode.errors") == 0);
        }
    }
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().vlan(113).pppoe({.session_id = 7}).ipv4("100.64.0.7", "198.51.100.1")
               .udp(5060, 5060).payload(kInvite).build());
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].encap.vlan_count == 1);
    CHECK(h.sink.delivered[0].encap.vlan_ids[0] == 113);
}

TEST_CASE("PPPoE length bounds the PPP frame: Ethernet padding after it is ignored") {
    Bytes frame = pppoe_udp().build();
    frame.insert(frame.end(), {0xde, 0xad, 0xbe, 0xef});  // padding beyond the PPPoE length
    DecoderHarness h;
    h.feed(frame);
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].payload == kInvite);
    CHECK(known_stat(h, "decode.errors") == 0);
}

TEST_CASE("PPPoE discovery and PPP control protocols are other traffic, not errors") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet({.ethertype = 0x8863}).payload(Bytes{0x11, 0x09, 0, 0, 0, 4, 1, 1, 0, 0}).build());
    h.feed(PacketBuilder().ethernet().pppoe({.ppp_protocol = 0xC021}).payload(Bytes{9, 1, 0, 8, 1, 2, 3, 4}).build());
    h.feed(PacketBuilder().ethernet().pppoe({.ppp_protocol = 0x8021}).payload(Bytes{1, 1, 0, 4}).build());
    CHECK(h.sink.delivered.empty());
    CHECK(known_stat(h, "net.other") == 3);
    CHECK(known_stat(h, "pppoe.frames") == 2);
    CHECK(known_stat(h, "decode.errors") == 0);
}

TEST_CASE("malformed PPPoE: each a named anomaly, nothing delivered") {
    struct Case {
        const char* what;
        Bytes frame;
        const char* anomaly;
    };
    Bytes cut = PacketBuilder().ethernet().pppoe().build();
    cut.resize(14 + 4);  // PPPoE header cut short
    Bytes no_protocol = PacketBuilder().ethernet().pppoe({.length = 0}).build();
    no_protocol.resize(14 + 6);
    const Case cases[] = {
        {"version/type 2/1", pppoe_udp({.ver_type = 0x21}).build(), "anomaly.pppoe.bad_header"},
        {"code PADT in a session frame", pppoe_udp({.code = 0xA7}).build(), "anomaly.pppoe.bad_header"},
        {"header cut short", cut, "anomaly.pppoe.bad_header"},
        {"length beyond the frame", pppoe_udp({.length = 4000}).build(), "anomaly.pppoe.bad_length"},
        {"no PPP protocol field", no_protocol, "anomaly.ppp.truncated_header"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        DecoderHarness h;
        h.feed(c.frame);
        CHECK(h.sink.delivered.empty());
        CHECK(known_stat(h, c.anomaly) == 1);
        CHECK(known_stat(h, "decode.errors") == 1);
    }
}

TEST_CASE("PPPoE length beyond a frame the capture cut short: what was captured is decoded") {
    DecoderHarness h;
    const Bytes frame = pppoe_udp().build();
    Bytes cut(frame.begin(), frame.end() - 10);
    h.feed(cut, pcapgen::linktype::ethernet, static_cast<std::uint32_t>(frame.size()));
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].payload == kInvite.substr(0, kInvite.size() - 10));
    CHECK(known_stat(h, "anomaly.pppoe.bad_length") == 0);
}

TEST_CASE("PPTP: enhanced GRE v1 with PPP, address/control present or compressed, 1- or 2-byte protocol") {
    for (bool address_control : {true, false}) {
        for (bool compressed : {false, true}) {
            for (bool with_ack : {false, true}) {
                CAPTURE(address_control);
                CAPTURE(compressed);
                CAPTURE(with_ack);
                DecoderHarness h;
                h.feed(pptp_udp({.call_id = 0x0c01, .sequence = 9,
                                 .ack = with_ack ? std::optional<std::uint32_t>(4) : std::nullopt,
                                 .address_control = address_control, .compress_protocol = compressed})
                           .build());
                REQUIRE(h.sink.delivered.size() == 1);
                const auto& d = h.sink.delivered[0];
                CHECK(d.payload == kInvite);
                CHECK(d.tuple.src == pcapgen::ip("10.8.0.2"));
                CHECK(d.encap.tunnel == TunnelKind::pptp);
                CHECK(d.encap.tunnel_id == 0x0c01);
                CHECK(d.encap.tunnel_src == pcapgen::ip("192.0.2.10"));
                CHECK(known_stat(h, "tunnel.pptp") == 1);
                CHECK(known_stat(h, "tunnel.gre") == 0);
                CHECK(known_stat(h, "decode.errors") == 0);
            }
        }
    }
    CHECK(std::string(tunnel_name(TunnelKind::pptp)) == "pptp");
}

TEST_CASE("PPTP over IPv6 inside, acknowledgment-only packets and PPP control frames") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().ipv4("192.0.2.10", "192.0.2.20").pptp({.call_id = 5})
               .ipv6("2001:db8::1", "2001:db8::2").udp(5060, 5060).payload(kInvite).build());
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].tuple.src == pcapgen::ip("2001:db8::1"));
    h.feed(PacketBuilder().ethernet().ipv4("192.0.2.10", "192.0.2.20").pptp({.call_id = 5, .sequence = std::nullopt, .ack = 3}).build());
    h.feed(PacketBuilder().ethernet().ipv4("192.0.2.10", "192.0.2.20").pptp({.call_id = 5, .ppp_protocol = 0xC021})
               .payload(Bytes{9, 1, 0, 8, 1, 2, 3, 4}).build());
    CHECK(h.sink.delivered.size() == 1);
    CHECK(known_stat(h, "net.other") == 1);
    CHECK(known_stat(h, "decode.errors") == 0);
}

TEST_CASE("malformed PPTP: each a named anomaly, nothing delivered") {
    auto with_flags = [](std::uint16_t flags) {
        Bytes frame = pptp_udp({.call_id = 1}).build();
        const std::size_t gre = 14 + 20;
        frame[gre] = static_cast<std::uint8_t>(flags >> 8);
        frame[gre + 1] = static_cast<std::uint8_t>(flags);
        return frame;
    };
    Bytes cut = pptp_udp({.call_id = 1}).build();
    cut.resize(14 + 20 + 6);  // inside the key
    Bytes cut_ip = cut;
    cut_ip[14 + 2] = 0;
    cut_ip[14 + 3] = 26;  // IPv4 total length matching the cut
    struct Case {
        const char* what;
        Bytes frame;
        const char* anomaly;
    };
    const Case cases[] = {
        {"no key bit", with_flags(0x1001), "anomaly.tunnel.bad_pptp_header"},
        {"checksum bit", with_flags(0xB001), "anomaly.tunnel.bad_pptp_header"},
        {"routing bit", with_flags(0x7001), "anomaly.tunnel.bad_pptp_header"},
        {"recursion", with_flags(0x3101), "anomaly.tunnel.bad_pptp_header"},
        {"payload length beyond the packet", pptp_udp({.call_id = 1, .payload_length = 3000}).build(), "anomaly.tunnel.bad_pptp_header"},
        {"protocol not PPP", pptp_udp({.call_id = 1}).build(), ""},
        {"cut inside the key", cut_ip, "anomaly.tunnel.truncated_header"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        Bytes frame = c.frame;
        std::string anomaly = c.anomaly;
        if (anomaly.empty()) {  // GRE protocol IPv4 with version 1
            frame[14 + 20 + 2] = 0x08;
            frame[14 + 20 + 3] = 0x00;
            anomaly = "anomaly.tunnel.bad_pptp_header";
        }
        DecoderHarness h;
        h.feed(frame);
        CHECK(h.sink.delivered.empty());
        CHECK(known_stat(h, anomaly) == 1);
    }
}
