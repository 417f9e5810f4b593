#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "test_decoder_harness.h"

using namespace scamgate;
using namespace scamgate::net;
using namespace scamgate::net::testing;
using pcapgen::Bytes;
using pcapgen::ip;
using pcapgen::PacketBuilder;

namespace {

std::string big_payload(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
    return s;
}

PacketBuilder v4_datagram(const std::string& payload, std::uint16_t id = 77) {
    return PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.id = id}).udp(5060, 5070).payload(payload);
}

PacketBuilder v6_datagram(const std::string& payload) {
    return PacketBuilder().ethernet()
        .ipv6("2001:db8::1", "2001:db8::2", {.extensions = {pcapgen::ipv6_hop_by_hop()}})
        .udp(5060, 5070)
        .payload(payload);
}

}  // namespace

TEST_CASE("reassembly: IPv4 and IPv6 in order, reversed, shuffled, duplicated") {
    const std::string payload = big_payload(3000);
    for (bool v6 : {false, true}) {
        const auto fragments = (v6 ? v6_datagram(payload) : v4_datagram(payload)).fragments(1000);
        REQUIRE(fragments.size() == 4);  // 3008 bytes of UDP in 1000-byte pieces
        std::vector<std::vector<Bytes>> orders;
        orders.push_back(fragments);
        orders.emplace_back(fragments.rbegin(), fragments.rend());
        auto shuffled = fragments;
        std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
        orders.push_back(shuffled);
        auto duplicated = fragments;
        duplicated.insert(duplicated.begin() + 1, fragments[2]);
        duplicated.insert(duplicated.begin(), fragments[0]);
        orders.push_back(duplicated);
        for (const auto& order : orders) {
            CAPTURE(v6);
            DecoderHarness h;
            for (const auto& f : order) h.feed(f);
            REQUIRE(h.sink.delivered.size() == 1);
            CHECK(h.sink.delivered[0].payload == payload);
            CHECK(h.sink.delivered[0].tuple.src_port == 5060);
            CHECK(h.stat("ip.fragments") == order.size());
            CHECK(h.stat("ip.reassembled") == 1);
            CHECK(h.stat("decode.errors") == 0);
        }
    }
}

TEST_CASE("reassembly: overlapping fragments with different content drop the datagram") {
    const std::string payload = big_payload(2000);
    auto fragments = v4_datagram(payload).fragments(800);
    REQUIRE(fragments.size() == 3);
    Bytes forged = fragments[1];
    forged.back() ^= 0xFF;  // same offset and length, different last byte
    DecoderHarness h;
    h.feed(fragments[0]);
    h.feed(fragments[1]);
    h.feed(forged);
    h.feed(fragments[2]);
    CHECK(h.sink.delivered.empty());
    CHECK(h.stat("anomaly.ip.fragment_overlap") == 1);
    CHECK(h.stat("decode.errors") == 1);
    CHECK(h.stat("ip.reassembled") == 0);

    // A partial overlap with identical bytes is a retransmission, not an attack.
    const auto coarse = v6_datagram(payload).fragments(1600);
    const auto fine = v6_datagram(payload).fragments(800);
    DecoderHarness g;
    g.feed(coarse[0]);  // bytes 0..1600
    g.feed(fine[1]);    // bytes 800..1600 again
    g.feed(coarse[1]);
    REQUIRE(g.sink.delivered.size() == 1);
    CHECK(g.sink.delivered[0].payload == payload);
    CHECK(g.stat("anomaly.ip.fragment_overlap") == 0);
}

TEST_CASE("reassembly: timeout via expire and lazily on the next fragment") {
    const auto fragments = v4_datagram(big_payload(2000)).fragments(800);
    NetLimits limits;
    limits.fragment_timeout = seconds(30);
    DecoderHarness h(limits);
    const Timestamp start = h.now;
    h.feed(fragments[0]);
    h.expire(start + seconds(10));
    CHECK(h.stat("anomaly.ip.fragment_timeout") == 0);
    h.expire(start + seconds(31));
    CHECK(h.stat("anomaly.ip.fragment_timeout") == 1);
    h.feed(fragments[1]);
    h.feed(fragments[2]);
    CHECK(h.sink.delivered.empty());  // the first fragment is gone

    DecoderHarness lazy(limits);
    lazy.feed(fragments[0]);
    lazy.now += seconds(60);
    lazy.feed(v4_datagram("x", 999).fragments(8)[0]);  // any new fragment sweeps old trains
    CHECK(lazy.stat("anomaly.ip.fragment_timeout") == 1);
    CHECK(lazy.stat("decode.errors") == 0);  // the timeout is not the new packet's fault
}

TEST_CASE("reassembly: table full evicts the oldest train") {
    NetLimits limits;
    limits.max_fragment_trains = 2;
    DecoderHarness h(limits);
    const std::string payload = big_payload(1500);
    std::vector<std::vector<Bytes>> trains;
    for (std::uint16_t id = 1; id <= 3; ++id) trains.push_back(v4_datagram(payload, id).fragments(800));
    for (const auto& t : trains) h.feed(t[0]);
    CHECK(h.stat("anomaly.ip.fragment_table_full") == 1);
    h.feed(trains[2][1]);
    h.feed(trains[1][1]);
    h.feed(trains[0][1]);  // train 1 was evicted: its last fragment starts a new train
    CHECK(h.sink.delivered.size() == 2);
    CHECK(h.stat("anomaly.ip.fragment_table_full") == 1);

    NetLimits bytes_limited;
    bytes_limited.max_fragment_bytes = 2000;
    DecoderHarness b(bytes_limited);
    b.feed(trains[0][0]);  // 800 bytes held
    b.feed(trains[1][0]);  // 1600
    CHECK(b.stat("anomaly.ip.fragment_table_full") == 0);
    b.feed(trains[1][1]);  // would be 2308: the oldest train goes
    CHECK(b.stat("anomaly.ip.fragment_table_full") == 1);
    REQUIRE(b.sink.delivered.size() == 1);
    CHECK(b.sink.delivered[0].payload == payload);
    b.feed(trains[0][1]);
    CHECK(b.sink.delivered.size() == 1);
}

TEST_CASE("reassembly: absurd offsets and lengths") {
    DecoderHarness h;
    // Offset 8190*8 plus data exceeds the largest datagram.
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.more_fragments = true, .fragment_offset8 = 8190})
               .payload(Bytes(64, 1)).build());
    CHECK(h.stat("anomaly.ip.fragment_too_large") == 1);
    // A middle fragment whose length is not a multiple of 8.
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.more_fragments = true}).payload(Bytes(13, 1)).build());
    // A last fragment ending before data already received.
    auto fragments = v4_datagram(big_payload(2000), 5).fragments(800);
    h.feed(fragments[1]);
    h.feed(PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2", {.id = 5, .fragment_offset8 = 1, .protocol = 17})
               .payload(Bytes(8, 1)).build());
    CHECK(h.stat("anomaly.ip.bad_fragment_offset") == 2);
    CHECK(h.stat("decode.errors") == 3);
    CHECK(h.sink.delivered.empty());
}

TEST_CASE("reassembly: fragments behind different tunnels do not mix") {
    auto via_key = [](std::uint32_t key) {
        return PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").gre({.key = key})
            .ipv4("10.0.0.1", "10.0.0.2", {.id = 9}).udp(1, 2).payload(big_payload(1200)).fragments(800, 1);
    };
    const auto a = via_key(1);
    const auto b = via_key(2);
    DecoderHarness h;
    h.feed(a[0]);
    h.feed(b[1]);
    CHECK(h.sink.delivered.empty());
    h.feed(a[1]);
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].encap.tunnel_id == 1);
    CHECK(h.stat("tunnel.gre") == 3);
}

TEST_CASE("tunnels: GRE with and without key carrying IP and Ethernet") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().vlan(10).ipv4("1.1.1.1", "2.2.2.2").gre({.key = 0xABCD, .sequence = 5, .checksum = true})
               .ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload("inner").build());
    h.feed(PacketBuilder().ethernet().ipv6("2001:db8::a", "2001:db8::b").gre()
               .ethernet().vlan(20).ipv6("2001:db8::1", "2001:db8::2").udp(5060, 5070).payload("teb").build());
    REQUIRE(h.sink.delivered.size() == 2);
    const auto& first = h.sink.delivered[0];
    CHECK(first.tuple.src == ip("10.0.0.1"));
    CHECK(first.payload == "inner");
    CHECK(first.encap.tunnel == TunnelKind::gre);
    CHECK(first.encap.tunnel_src == ip("1.1.1.1"));
    CHECK(first.encap.tunnel_dst == ip("2.2.2.2"));
    CHECK(first.encap.tunnel_id == 0xABCD);
    CHECK(first.encap.vlan_count == 1);
    const auto& second = h.sink.delivered[1];
    CHECK(second.tuple.dst == ip("2001:db8::2"));
    CHECK(second.encap.tunnel_src == ip("2001:db8::a"));
    CHECK(second.encap.tunnel_id == 0);
    CHECK(second.encap.vlan_count == 1);
    CHECK(second.encap.vlan_ids[0] == 20);
    CHECK(h.stat("tunnel.gre") == 2);

    h.feed(PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").gre({.protocol = 0x880B}).payload("ppp").build());
    CHECK(h.stat("anomaly.tunnel.unsupported") == 1);
}

TEST_CASE("tunnels: ERSPAN types I, II and III") {
    DecoderHarness h;
    for (int type : {1, 2, 3}) {
        h.feed(PacketBuilder().ethernet().vlan(5).ipv4("192.0.2.1", "192.0.2.2")
                   .erspan({.type = type, .session_id = 321, .vlan = 9, .platform_subheader = type == 3})
                   .ethernet().vlan(100).qinq(200).ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload("mirrored")
                   .build());
    }
    h.feed(PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").erspan({.type = 3, .session_id = 7})
               .ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5070).payload("no subheader").build());
    REQUIRE(h.sink.delivered.size() == 4);
    const TunnelKind kinds[] = {TunnelKind::erspan1, TunnelKind::erspan2, TunnelKind::erspan3};
    for (int i = 0; i < 3; ++i) {
        const auto& d = h.sink.delivered[static_cast<std::size_t>(i)];
        CAPTURE(i);
        CHECK(d.payload == "mirrored");
        CHECK(d.encap.tunnel == kinds[i]);
        CHECK(d.encap.tunnel_id == (i == 0 ? 0u : 321u));
        CHECK(d.encap.tunnel_src == ip("192.0.2.1"));
        REQUIRE(d.encap.vlan_count == 3);
        CHECK(d.encap.vlan_ids[0] == 5);    // outer first
        CHECK(d.encap.vlan_ids[1] == 100);
        CHECK(d.encap.vlan_ids[2] == 200);
    }
    CHECK(h.sink.delivered[3].encap.tunnel_id == 7);
    CHECK(h.stat("tunnel.erspan1") == 1);
    CHECK(h.stat("tunnel.erspan2") == 1);
    CHECK(h.stat("tunnel.erspan3") == 2);
    CHECK(h.stat("tunnel.gre") == 0);
}

TEST_CASE("tunnels: IP-in-IP in all four combinations") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("44").build());
    h.feed(PacketBuilder().ethernet().ipv4("1.1.1.1", "2.2.2.2").ipv6("::1", "::2").udp(1, 2).payload("46").build());
    h.feed(PacketBuilder().ethernet().ipv6("2001:db8::a", "2001:db8::b").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("64").build());
    h.feed(PacketBuilder().ethernet().ipv6("2001:db8::a", "2001:db8::b").ipv6("::1", "::2").udp(1, 2).payload("66").build());
    REQUIRE(h.sink.delivered.size() == 4);
    const char* expected[] = {"44", "46", "64", "66"};
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(h.sink.delivered[i].payload == expected[i]);
        CHECK(h.sink.delivered[i].encap.tunnel == TunnelKind::ipip);
    }
    CHECK(h.sink.delivered[1].tuple.src == ip("::1"));
    CHECK(h.sink.delivered[0].encap.tunnel_dst == ip("2.2.2.2"));
    CHECK(h.sink.delivered[3].encap.tunnel_src == ip("2001:db8::a"));
    CHECK(h.stat("tunnel.ipip") == 4);
}

TEST_CASE("tunnels: GTP-U G-PDU, other GTP messages ignored") {
    DecoderHarness h;
    h.feed(PacketBuilder().ethernet().ipv4("172.16.0.1", "172.16.0.2").udp(2152, 2152)
               .gtpu({.teid = 0xDEADBEEF}).ipv4("10.45.0.7", "10.0.0.2").udp(5060, 5060).payload("plain").build());
    h.feed(PacketBuilder().ethernet().ipv6("2001:db8::a", "2001:db8::b").udp(40000, 2152)
               .gtpu({.teid = 17, .sequence = 3, .n_pdu = 1, .extensions = {{0x85, {0x00, 0x09}}, {0x40, {1, 2, 3, 4, 5, 6}}}})
               .ipv6("2001:db8::7", "2001:db8::8").tcp({.src_port = 1, .dst_port = 5060, .flags = 0x18}).payload("ext").build());
    h.feed(PacketBuilder().ethernet().ipv4("172.16.0.1", "172.16.0.2").udp(2152, 2152)
               .gtpu({.teid = 0, .message_type = 1, .sequence = 1}).build());  // echo request
    REQUIRE(h.sink.delivered.size() == 2);
    const auto& a = h.sink.delivered[0];
    CHECK(a.payload == "plain");
    CHECK(a.tuple.src == ip("10.45.0.7"));
    CHECK(a.encap.tunnel == TunnelKind::gtpu);
    CHECK(a.encap.tunnel_id == 0xDEADBEEF);
    CHECK(a.encap.tunnel_src == ip("172.16.0.1"));
    const auto& b = h.sink.delivered[1];
    CHECK(b.payload == "ext");
    CHECK(b.tuple.proto == IpProto::tcp);
    CHECK(b.encap.tunnel_id == 17);
    CHECK(h.stat("tunnel.gtpu") == 2);
    CHECK(h.stat("decode.errors") == 0);

    // Not GTPv1 on port 2152: plain UDP.
    h.feed(PacketBuilder().ethernet().ipv4("172.16.0.1", "172.16.0.2").udp(2152, 9).payload("hello").build());
    REQUIRE(h.sink.delivered.size() == 3);
    CHECK(h.sink.delivered[2].payload == "hello");
}

TEST_CASE("tunnels: depth limit") {
    NetLimits limits;
    limits.max_tunnel_depth = 2;
    DecoderHarness h(limits);
    h.feed(PacketBuilder().ipv4("1.0.0.1", "1.0.0.2").ipv4("2.0.0.1", "2.0.0.2").ipv4("3.0.0.1", "3.0.0.2")
               .udp(1, 2).payload("two deep").build(), pcapgen::linktype::raw);
    REQUIRE(h.sink.delivered.size() == 1);
    CHECK(h.sink.delivered[0].encap.tunnel_src == ip("1.0.0.1"));  // outermost tunnel
    h.feed(PacketBuilder().ipv4("1.0.0.1", "1.0.0.2").ipv4("2.0.0.1", "2.0.0.2").ipv4("3.0.0.1", "3.0.0.2")
               .ipv4("4.0.0.1", "4.0.0.2").udp(1, 2).payload("three deep").build(), pcapgen::linktype::raw);
    CHECK(h.sink.delivered.size() == 1);
    CHECK(h.stat("anomaly.tunnel.too_deep") == 1);
}
