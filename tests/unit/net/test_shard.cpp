// net::shard_key / shard_of: the outermost IP pair, the same both ways, for every fragment and
// sibling of a flow; nothing for frames that are not IP (net/shard.h says why).
#include <doctest/doctest.h>

#include <set>

#include "net/shard.h"
#include "pcapgen/packet_builder.h"

namespace scamgate::net {
namespace {

using pcapgen::Bytes;
using pcapgen::PacketBuilder;
namespace linktype = pcapgen::linktype;

std::uint64_t key_of(const Bytes& frame, int link = linktype::ethernet) {
    const auto key = shard_key(link, frame);
    REQUIRE(key.has_value());
    return *key;
}

const std::string kInvite(1800, 'x');  // large enough to fragment below

TEST_CASE("fragments of a datagram and its unfragmented siblings on the same IP pair share a key") {
    const auto invite = PacketBuilder().ethernet().ipv4("203.0.113.10", "198.51.100.1", {.id = 42}).udp(5060, 5060).payload(kInvite);
    const auto fragments = invite.fragments(600);
    REQUIRE(fragments.size() == 4);  // 1,808 bytes of UDP in 600-byte pieces
    const std::uint64_t key = key_of(fragments[0]);
    for (const auto& later : fragments) CHECK(key_of(later) == key);  // no UDP header past the first
    // The 100 Trying back, from another port, unfragmented.
    CHECK(key_of(PacketBuilder().ethernet().ipv4("198.51.100.1", "203.0.113.10").udp(5062, 5060).payload("SIP/2.0 100").build()) == key);

    const auto v6 = PacketBuilder().ethernet().ipv6("2001:db8::a", "2001:db8::1").udp(5060, 5060).payload(kInvite);
    const auto v6_fragments = v6.fragments(600);
    REQUIRE(v6_fragments.size() >= 3);
    const std::uint64_t v6_key = key_of(v6_fragments[0]);
    for (const auto& f : v6_fragments) CHECK(key_of(f) == v6_key);
    CHECK(key_of(PacketBuilder().ethernet().ipv6("2001:db8::1", "2001:db8::a").udp(5060, 5060).payload("SIP/2.0 200").build()) == v6_key);
    CHECK(v6_key != key);
}

TEST_CASE("the key is the same in both directions and differs between IP pairs") {
    const auto a_to_b = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5060).payload("x").build();
    const auto b_to_a = PacketBuilder().ethernet().ipv4("10.0.0.2", "10.0.0.1").udp(5060, 5060).payload("x").build();
    const auto a_to_c = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.3").udp(5060, 5060).payload("x").build();
    CHECK(key_of(a_to_b) == key_of(b_to_a));
    CHECK(key_of(a_to_b) != key_of(a_to_c));
}

TEST_CASE("TCP and SCTP are keyed by the IP pair alone: a new connection the other way meets the dialog") {
    const auto first = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").tcp({.src_port = 16933, .dst_port = 6060}).payload("INVITE").build();
    const auto back = PacketBuilder().ethernet().ipv4("10.0.0.2", "10.0.0.1").tcp({.src_port = 37398, .dst_port = 6060}).payload("BYE").build();
    const auto udp = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5060).payload("x").build();
    const auto sctp = PacketBuilder().ethernet().ipv4("10.0.0.2", "10.0.0.1").sctp({}).build();
    CHECK(key_of(first) == key_of(back));
    CHECK(key_of(first) == key_of(udp));
    CHECK(key_of(first) == key_of(sctp));
}

TEST_CASE("link layers, VLANs and PPPoE do not change the key, tunnels are keyed by their outer pair") {
    const auto plain = key_of(PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build());
    CHECK(key_of(PacketBuilder().ethernet().vlan(100).qinq(7).ipv4("192.0.2.2", "192.0.2.1").udp(1, 2).payload("x").build()) == plain);
    CHECK(key_of(PacketBuilder().ethernet().pppoe().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build()) == plain);
    CHECK(key_of(PacketBuilder().ethernet().pppoe({.compress_protocol = true}).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build()) == plain);
    CHECK(key_of(PacketBuilder().sll().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build(), linktype::linux_sll) == plain);
    CHECK(key_of(PacketBuilder().sll2().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build(), linktype::linux_sll2) == plain);
    CHECK(key_of(PacketBuilder().null_link().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build(), linktype::null) == plain);
    CHECK(key_of(PacketBuilder().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build(), linktype::raw) == plain);
    CHECK(key_of(PacketBuilder().ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload("x").build(), linktype::ipv4) == plain);

    // Two inner flows in one GRE tunnel, and in one GTP-U tunnel: the outer pair decides, so an
    // outer fragment (no inner header in it) goes where the rest of the tunnel goes.
    const auto gre = [](const char* inner_src) {
        return PacketBuilder().ethernet().ipv4("198.18.0.1", "198.18.0.2").gre().ipv4(inner_src, "10.9.9.9").udp(5060, 5060).payload(kInvite);
    };
    const std::uint64_t tunnel = key_of(gre("10.1.1.1").build());
    CHECK(key_of(gre("10.2.2.2").build()) == tunnel);
    for (const auto& outer_fragment : gre("10.1.1.1").fragments(600)) CHECK(key_of(outer_fragment) == tunnel);
    CHECK(tunnel == key_of(PacketBuilder().ethernet().ipv4("198.18.0.2", "198.18.0.1").udp(1, 2).payload("x").build()));
    const std::uint64_t gtp = key_of(PacketBuilder().ethernet().ipv4("172.16.0.1", "172.16.0.2").udp(2152, 2152).gtpu({.teid = 1})
                                         .ipv4("10.1.1.1", "10.9.9.9").udp(5060, 5060).payload("x").build());
    CHECK(gtp == key_of(PacketBuilder().ethernet().ipv4("172.16.0.1", "172.16.0.2").udp(2152, 2152).gtpu({.teid = 2})
                            .ipv4("10.3.3.3", "10.9.9.9").udp(5060, 5060).payload("x").build()));
}

TEST_CASE("frames that are not IP, or cut before the addresses, have no key and go to worker 0") {
    Bytes arp = PacketBuilder().ethernet({.ethertype = 0x0806}).payload(Bytes(28, 0)).build();
    CHECK_FALSE(shard_key(linktype::ethernet, arp).has_value());
    CHECK(shard_of(linktype::ethernet, arp, 4) == 0);
    const auto udp = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").udp(5060, 5060).payload("x").build();
    CHECK_FALSE(shard_key(linktype::ethernet, ByteView(udp).first(14 + 19)).has_value());
    CHECK_FALSE(shard_key(linktype::ethernet, ByteView(udp).first(10)).has_value());
    CHECK_FALSE(shard_key(147, udp).has_value());  // a link type the decoder does not read
    const Bytes not_ip = {0x55, 0, 0, 0};
    CHECK_FALSE(shard_key(linktype::raw, not_ip).has_value());
}

TEST_CASE("shard_of spreads IP pairs over every worker and keeps one worker for one worker") {
    std::set<std::size_t> used;
    for (int host = 1; host <= 64; ++host) {
        const std::string src = "10.0.1." + std::to_string(host);
        const auto frame = PacketBuilder().ethernet().ipv4(src, "198.51.100.1").udp(5060, 5060).payload("x").build();
        const std::size_t worker = shard_of(linktype::ethernet, frame, 4);
        CHECK(worker < 4);
        used.insert(worker);
        CHECK(shard_of(linktype::ethernet, frame, 1) == 0);
    }
    CHECK(used.size() == 4);
}

}  // namespace
}  // namespace scamgate::net
