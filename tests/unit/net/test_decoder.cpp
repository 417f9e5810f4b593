#include <doctest/doctest.h>

#include <algorithm>

#include "test_decoder_harness.h"

using namespace scamgate;
using namespace scamgate::net;
using namespace scamgate::net::testing;
using pcapgen::Bytes;
using pcapgen::ip;
using pcapgen::PacketBuilder;
namespace lt = pcapgen::linktype;

namespace {

const std::string kSip = "OPTIONS sip:bob@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n";

PacketBuilder sip_over_ipv4() {
    return PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip);
}

void check_sip_tuple_v4(const Delivered& d) {
    CHECK(d.tuple.src == ip("10.0.0.1"));
    CHECK(d.tuple.dst == ip("10.0.0.2"));
    CHECK(d.tuple.src_port == 5060);
    CHECK(d.tuple.dst_port == 5070);
    CHECK(d.tuple.proto == IpProto::udp);
    CHECK(d.payload == kSip);
}

}  // namespace

TEST_CASE("decoder: Ethernet IPv4 UDP delivers payload, tuple and counters") {
    DecoderHarness h;
    const Bytes frame = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build();
    h.feed(frame);
    REQUIRE(h.sink.delivered.size() == 1);
    check_sip_tuple_v4(h.sink.delivered[0]);
    CHECK(h.sink.delivered[0].encap.vlan_count == 0);
    CHECK(h.sink.delivered[0].encap.tunnel == TunnelKind::none);
    CHECK(h.sink.delivered[0].packet_number == 1);
    CHECK(h.stat("packets") == 1);
    CHECK(h.stat("bytes") == frame.size());
    CHECK(h.stat("ipv4.packets") == 1);
    CHECK(h.stat("udp.datagrams") == 1);
    CHECK(h.stat("decode.errors") == 0);
    CHECK(h.sink.anomalies.empty());
}

TEST_CASE("decoder: every supported link type") {
    const auto v6 = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(5060, 5070).payload(kSip);

    SUBCASE("Linux cooked v1, also with a VLAN tag") {
        DecoderHarness h;
        h.feed(PacketBuilder().sll().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build(), lt::linux_sll);
        h.feed(PacketBuilder().sll().vlan(42).ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build(), lt::linux_sll);
        REQUIRE(h.sink.delivered.size() == 2);
        check_sip_tuple_v4(h.sink.delivered[0]);
        CHECK(h.sink.delivered[1].encap.vlan_count == 1);
        CHECK(h.sink.delivered[1].encap.vlan_ids[0] == 42);
    }
    SUBCASE("Linux cooked v2") {
        DecoderHarness h;
        h.feed(PacketBuilder().sll2().ipv6("2001:db8::1", "2001:db8::2").udp(5060, 5070).payload(kSip).build(), lt::linux_sll2);
        REQUIRE(h.sink.delivered.size() == 1);
        CHECK(h.sink.delivered[0].tuple.src == ip("2001:db8::1"));
        CHECK(h.stat("ipv6.packets") == 1);
    }
    SUBCASE("raw IP under its three numbers, and DLT_IPV4/DLT_IPV6") {
        DecoderHarness h;
        for (int linktype : {12, 14, 101}) {
            h.feed(sip_over_ipv4().build(), linktype);
            h.feed(v6.build(), linktype);
        }
        h.feed(sip_over_ipv4().build(), lt::ipv4);
        h.feed(v6.build(), lt::ipv6);
        CHECK(h.sink.delivered.size() == 8);
        CHECK(h.stat("ipv4.packets") == 4);
        CHECK(h.stat("ipv6.packets") == 4);
        CHECK(h.stat("decode.errors") == 0);
    }
    SUBCASE("BSD loopback in both byte orders and every AF_INET6 value") {
        DecoderHarness h;
        h.feed(PacketBuilder().null_link().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build(), lt::null);
        h.feed(PacketBuilder().null_link({.family = 2, .big_endian = true}).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("x").build(), lt::null);
        for (std::uint32_t family : {24u, 28u, 30u}) {
            h.feed(PacketBuilder().null_link({.family = family}).ipv6("::1", "::1").udp(1, 2).payload("x").build(), lt::null);
        }
        h.feed(PacketBuilder().loop_link().ipv4("127.0.0.1", "127.0.0.1").udp(1, 2).payload("y").build(), lt::loop);
        h.feed(PacketBuilder().null_link({.family = 7}).payload("not ip").build(), lt::null);
        CHECK(h.sink.delivered.size() == 6);
        CHECK(h.stat("ipv6.packets") == 3);
        CHECK(h.stat("net.other") == 1);
        CHECK(h.stat("decode.errors") == 0);
    }
    SUBCASE("unsupported link type is an anomaly") {
        DecoderHarness h;
        h.feed(sip_over_ipv4().build(), 105);  // 802.11
        CHECK(h.sink.delivered.empty());
        CHECK(h.stat("anomaly.net.unsupported_linktype") == 1);
        CHECK(h.stat("decode.errors") == 1);
        REQUIRE(h.sink.anomalies.size() == 1);
        CHECK(h.sink.anomalies[0] == "net.unsupported_linktype");
    }
    CHECK(is_supported_linktype(1));
    CHECK(is_supported_linktype(276));
    CHECK(is_supported_linktype(0));
    CHECK_FALSE(is_supported_linktype(105));
    CHECK_FALSE(is_supported_linktype(127));
}

TEST_CASE("decoder: ARP and other ethertypes are counted, not errors") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet({.ethertype = 0x0806}).payload(Bytes(28, 0)).build());
    h.feed(PacketBuilder().ethernet().vlan({.id = 5, .ethertype = 0x88CC}).payload(Bytes(20, 0)).build());
    CHECK(h.stat("net.other") == 2);
    CHECK(h.stat("decode.errors") == 0);
    CHECK(h.sink.delivered.empty());
}

TEST_CASE("decoder: VLAN, QinQ and triple tags, and too many tags") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().vlan(100).ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build());
    h.feed(PacketBuilder().ethernet().qinq(200).vlan(100).ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build());
    h.feed(PacketBuilder().ethernet().vlan(300, 0x9100).qinq(200).vlan(100).ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build());
    REQUIRE(h.sink.delivered.size() == 3);
    CHECK(h.sink.delivered[0].encap.vlan_count == 1);
    CHECK(h.sink.delivered[0].encap.vlan_ids[0] == 100);
    CHECK(h.sink.delivered[1].encap.vlan_count == 2);
    CHECK(h.sink.delivered[1].encap.vlan_ids[0] == 200);
    CHECK(h.sink.delivered[1].encap.vlan_ids[1] == 100);
    const auto& triple = h.sink.delivered[2].encap;
    CHECK(triple.vlan_count == 3);
    CHECK(triple.vlan_ids[0] == 300);
    CHECK(triple.vlan_ids[1] == 200);
    CHECK(triple.vlan_ids[2] == 100);
    CHECK(h.stat("decode.errors") == 0);

    auto five = PacketBuilder().ethernet();
    for (std::uint16_t id = 1; id <= 5; ++id) five.vlan(id);
    h.feed(five.ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build());
    REQUIRE(h.sink.delivered.size() == 4);
    CHECK(h.sink.delivered[3].encap.vlan_count == 4);
    CHECK(h.sink.delivered[3].encap.vlan_ids[3] == 4);
    CHECK(h.stat("anomaly.net.too_many_vlans") == 1);
    CHECK(h.stat("decode.errors") == 1);
}

TEST_CASE("decoder: IPv4 options are skipped and Ethernet padding is trimmed") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.options = {0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00}})
               .udp(5060, 5070).payload(kSip).build());
    Bytes small = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(7, 8).payload("hi").build();
    REQUIRE(small.size() == 44);
    small.resize(60, 0xEE);  // minimum Ethernet frame
    h.feed(small);
    REQUIRE(h.sink.delivered.size() == 2);
    check_sip_tuple_v4(h.sink.delivered[0]);
    CHECK(h.sink.delivered[1].payload == "hi");
    CHECK(h.stat("decode.errors") == 0);
}

TEST_CASE("decoder: malformed IPv4 headers") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.ihl = 4}).udp(1, 2).payload("x").build());
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.total_length = 12}).udp(1, 2).payload("x").build());
    h.feed(PacketBuilder().ethernet({.ethertype = 0x0800}).ipv6("::1", "::2").udp(1, 2).payload("x").build());
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.total_length = 60, .ihl = 15}).build());
    CHECK(h.sink.delivered.empty());
    CHECK(h.stat("anomaly.ipv4.bad_header_length") == 1);
    CHECK(h.stat("anomaly.ipv4.bad_total_length") == 1);
    CHECK(h.stat("anomaly.ipv4.bad_version") == 1);
    CHECK(h.stat("anomaly.ipv4.truncated_header") == 1);
    CHECK(h.stat("decode.errors") == 4);
}

TEST_CASE("decoder: IPv6 extension header chain") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet()
               .ipv6("2001:db8::1", "2001:db8::2",
                     {.extensions = {pcapgen::ipv6_hop_by_hop(), pcapgen::ipv6_destination_options(14),
                                     pcapgen::ipv6_routing(), pcapgen::ipv6_authentication_header(),
                                     {135, Bytes(14, 0)}}})
               .tcp({.src_port = 5061, .dst_port = 5060, .seq = 1000, .ack = 2000, .flags = 0x18})
               .payload(kSip)
               .build());
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].tuple.proto == IpProto::tcp);
    CHECK(h.sink.delivered[0].tuple.src_port == 5061);
    CHECK(h.sink.delivered[0].payload == kSip);

    // No-next-header ends the packet quietly.
    h.feed(PacketBuilder().ethernet().ipv6("::1", "::2", {.extensions = {pcapgen::ipv6_destination_options()}}).build());
    CHECK(h.stat("decode.errors") == 0);

    // Hop-by-hop anywhere but first, and a length running past the packet.
    h.feed(PacketBuilder().ethernet().ipv6("::1", "::2", {.extensions = {pcapgen::ipv6_routing(), pcapgen::ipv6_hop_by_hop()}})
               .udp(1, 2).payload("x").build());
    Bytes overlong = PacketBuilder().ethernet().ipv6("::1", "::2", {.extensions = {pcapgen::ipv6_destination_options()}})
                         .udp(1, 2).payload("x").build();
    overlong[14 + 40 + 1] = 200;  // extension length far beyond the payload
    h.feed(overlong);
    CHECK(h.stat("anomaly.ipv6.bad_extension_header") == 2);
    CHECK(h.stat("decode.errors") == 2);
    CHECK(h.sink.delivered.size() == 1);
}

TEST_CASE("decoder: TCP seq/ack/flags, control segments delivered even when empty") {
    DecoderHarness h;
    auto segment = [](std::uint8_t flags, std::string_view data) {
        return PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2")
            .tcp({.src_port = 40000, .dst_port = 5060, .seq = 0xFFFFFFF0u, .ack = 77, .flags = flags,
                  .options = {2, 4, 0x05, 0xb4}})
            .payload(std::string(data))
            .build();
    };
    h.feed(segment(tcp_flags::syn, ""));
    h.feed(segment(tcp_flags::ack, ""));  // pure ACK: nothing to deliver
    h.feed(segment(tcp_flags::psh | tcp_flags::ack, "REGISTER"));
    h.feed(segment(tcp_flags::fin | tcp_flags::ack, ""));
    h.feed(segment(tcp_flags::rst, ""));
    REQUIRE(h.sink.delivered.size() == 4);
    CHECK(h.sink.delivered[0].flags == tcp_flags::syn);
    CHECK(h.sink.delivered[0].seq == 0xFFFFFFF0u);
    CHECK(h.sink.delivered[0].ack == 77);
    CHECK(h.sink.delivered[0].payload.empty());
    CHECK(h.sink.delivered[1].payload == "REGISTER");
    CHECK(h.sink.delivered[1].tuple.proto == IpProto::tcp);
    CHECK(h.sink.delivered[2].flags == (tcp_flags::fin | tcp_flags::ack));
    CHECK(h.sink.delivered[3].flags == tcp_flags::rst);
    CHECK(h.stat("tcp.segments") == 5);

    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").tcp({.src_port = 1, .dst_port = 2, .data_offset = 3}).payload("abc").build());
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").tcp({.src_port = 1, .dst_port = 2, .data_offset = 15}).payload("abc").build());
    CHECK(h.stat("anomaly.tcp.bad_data_offset") == 1);
    CHECK(h.stat("anomaly.tcp.truncated_header") == 1);
}

TEST_CASE("decoder: UDP length checks") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp({.src_port = 1, .dst_port = 2, .length = 4}).payload("abc").build());
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp({.src_port = 1, .dst_port = 2, .length = 100}).payload("abc").build());
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp({.src_port = 1, .dst_port = 2, .length = 10}).payload("abcdef").build());
    CHECK(h.stat("anomaly.udp.bad_length") == 2);
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].payload == "ab");  // UDP length shorter than IP payload trims
}

TEST_CASE("decoder: snaplen cut decodes what was captured") {
    DecoderHarness h;
    const Bytes frame = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload(kSip).build();
    const Bytes cut(frame.begin(), frame.begin() + 14 + 20 + 8 + 7);
    h.feed(cut, lt::ethernet, static_cast<std::uint32_t>(frame.size()));
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].payload == kSip.substr(0, 7));
    CHECK(h.stat("anomaly.net.snaplen_cut") == 1);
    CHECK(h.stat("decode.errors") == 0);  // the capture said it was cut: not malformed

    // Same bytes claiming to be whole: the IP length lies, which is an error.
    h.feed(cut);
    CHECK(h.stat("anomaly.net.snaplen_cut") == 2);
    CHECK(h.stat("decode.errors") == 1);
}

TEST_CASE("decoder: a frame cut at every length never crashes, header cuts are errors") {
    struct Case {
        const char* name;
        Bytes frame;
        std::size_t headers;  // bytes of headers before the innermost payload
        int linktype;
    };
    const std::vector<Case> cases = {
        {"eth/ipv4/udp", PacketBuilder().ethernet().vlan(7).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("payload").build(), 14 + 4 + 20 + 8, lt::ethernet},
        {"sll2/ipv6 ext/tcp", PacketBuilder().sll2().ipv6("::1", "::2", {.extensions = {pcapgen::ipv6_hop_by_hop()}}).tcp({.src_port = 1, .dst_port = 2, .options = {1, 1, 1, 1}}).payload("payload").build(), 20 + 40 + 8 + 24, lt::linux_sll2},
        {"gre/eth/ipv4/udp", PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").gre({.key = 9}).ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("payload").build(), 14 + 20 + 8 + 14 + 20 + 8, lt::ethernet},
        {"erspan3/eth/ipv4/udp", PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").erspan({.type = 3, .session_id = 4, .platform_subheader = true}).ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("payload").build(), 14 + 20 + 8 + 20 + 14 + 20 + 8, lt::ethernet},
        {"gtpu/ipv6/udp", PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").udp(2152, 2152).gtpu({.teid = 5, .sequence = 1}).ipv6("::1", "::2").udp(1, 2).payload("payload").build(), 14 + 20 + 8 + 12 + 40 + 8, lt::ethernet},
        {"null/ipv4-in-ipv6/udp", PacketBuilder().null_link().ipv6("::1", "::2").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("payload").build(), 4 + 40 + 20 + 8, lt::null},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        DecoderHarness h;
        for (std::size_t length = 0; length < c.frame.size(); ++length) {
            const Bytes cut(c.frame.begin(), c.frame.begin() + static_cast<long>(length));
            h.feed(cut, c.linktype, static_cast<std::uint32_t>(c.frame.size()));
        }
        CHECK(h.stat("packets") == c.frame.size());
        CHECK(h.stat("decode.errors") == c.headers);
        // Cuts inside the payload still deliver the captured part.
        const auto with_data = std::count_if(h.sink.delivered.begin(), h.sink.delivered.end(),
                                             [](const Delivered& d) { return !d.payload.empty(); });
        CHECK(static_cast<std::size_t>(with_data) == c.frame.size() - c.headers - 1);
        REQUIRE_FALSE(h.sink.delivered.empty());
        CHECK(h.sink.delivered.back().payload == "payloa");
    }
}

TEST_CASE("flow tuple hashes") {
    const FlowTuple a{ip("10.0.0.1"), ip("10.0.0.2"), 5060, 5070, IpProto::udp};
    const FlowTuple tcp{ip("10.0.0.1"), ip("10.0.0.2"), 5060, 5070, IpProto::tcp};
    CHECK(a.symmetric_hash() == a.reversed().symmetric_hash());
    CHECK(a.hash() != a.reversed().hash());
    CHECK(a.hash() == FlowTuple(a).hash());
    CHECK(a.hash() != tcp.hash());
    CHECK(std::string(tunnel_name(TunnelKind::erspan3)) == "erspan3");
    CHECK(std::string(tunnel_name(TunnelKind::gtpu)) == "gtpu");
}
