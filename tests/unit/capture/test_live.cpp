#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "capture/live.h"
#include "pcapgen/packet_builder.h"

using namespace scamgate;
using namespace scamgate::capture;
using scamgate::pcapgen::Bytes;
using scamgate::pcapgen::PacketBuilder;

namespace {

const FilterPorts kDefaults{{5060, 5061}, {2775}, false};

// Whether `filter` (compiled for Ethernet) accepts `frame`, as the kernel would run it.
bool accepts(const std::string& filter, const Bytes& frame) {
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> dead(pcap_open_dead(DLT_EN10MB, 65535), pcap_close);
    bpf_program program{};
    REQUIRE(pcap_compile(dead.get(), &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0);
    pcap_pkthdr header{};
    header.caplen = header.len = static_cast<bpf_u_int32>(frame.size());
    const bool ok = pcap_offline_filter(&program, &header, frame.data()) != 0;
    pcap_freecode(&program);
    return ok;
}

Bytes sip_udp(std::uint16_t port) {
    return PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").udp(40000, port).payload("OPTIONS sip:a@b SIP/2.0\r\n\r\n").build();
}

}  // namespace

TEST_CASE("default filters compile for every kind of port configuration") {
    const std::vector<FilterPorts> configs = {
        kDefaults,
        {{5060}, {}, false},
        {{}, {2775}, false},
        {{}, {}, false},
        {{5060, 5061, 5080, 5090, 6060, 7060}, {2775, 2776, 3700}, false},
        {{5060}, {2775}, true},
    };
    for (const auto& ports : configs) {
        const auto filter = default_filter(ports);
        INFO("filter: " << filter);
        CHECK_FALSE(filter_error(filter).has_value());
        // The "any" interface (Linux cooked) has no `vlan`: the filter leaves it out there.
        const auto cooked = default_filter(ports, DLT_LINUX_SLL);
        CHECK(cooked.find("vlan") == std::string::npos);
        CHECK_FALSE(filter_error(cooked, DLT_LINUX_SLL).has_value());
        CHECK_FALSE(filter_error(default_filter(ports, DLT_LINUX_SLL2), DLT_LINUX_SLL2).has_value());
    }
}

TEST_CASE("the default filter names the ports, with detect_any_port there is no port filter") {
    const auto filter = default_filter(kDefaults);
    CHECK(filter.rfind("udp port 5060 or tcp port 5060 or sctp port 5060 or udp port 5061 or tcp port 5061 or "
                       "sctp port 5061 or tcp port 2775 or ", 0) == 0);
    CHECK(filter.find("ip[6:2] & 0x3fff != 0") != std::string::npos);
    CHECK(filter.find("ip6[6] == 44") != std::string::npos);
    CHECK(filter.find("(vlan and (") != std::string::npos);
    CHECK(default_filter({{5060}, {2775}, true}) == "ip or ip6 or ether proto 0x8864 or vlan");
    CHECK(default_filter({{5060}, {2775}, true}, DLT_LINUX_SLL) == "ip or ip6 or ether proto 0x8864");
}

TEST_CASE("the default filter keeps SIP, SMPP, fragments and tagged frames, and drops other ports") {
    const auto filter = default_filter(kDefaults);
    CHECK(accepts(filter, sip_udp(5060)));
    CHECK(accepts(filter, sip_udp(5061)));
    CHECK_FALSE(accepts(filter, sip_udp(53)));
    CHECK(accepts(filter, PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").tcp({.src_port = 40000, .dst_port = 2775}).payload("x").build()));
    CHECK_FALSE(accepts(filter, PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").tcp({.src_port = 40000, .dst_port = 2776}).payload("x").build()));
    CHECK(accepts(filter, PacketBuilder().ethernet().ipv6("2001:db8::1", "2001:db8::2").udp(40000, 5060).payload("x").build()));
    CHECK(accepts(filter, PacketBuilder().ethernet().vlan(100).ipv4("192.0.2.1", "192.0.2.2").udp(40000, 5060).payload("x").build()));
    CHECK(accepts(filter, PacketBuilder().ethernet().qinq(200).vlan(100).ipv4("192.0.2.1", "192.0.2.2").udp(40000, 5060).payload("x").build()));
    CHECK_FALSE(accepts(filter, PacketBuilder().ethernet().vlan(100).ipv4("192.0.2.1", "192.0.2.2").udp(40000, 53).payload("x").build()));
    // SIP over SCTP, and SIP inside PPPoE sessions (also behind a VLAN tag).
    const auto sctp = [](std::uint16_t port) {
        return PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2")
            .sctp({.src_port = 40000, .dst_port = port, .verification_tag = 1, .chunks = {pcapgen::sctp_data(1, 0, 0, "x")}})
            .build();
    };
    CHECK(accepts(filter, sctp(5060)));
    CHECK_FALSE(accepts(filter, sctp(2905)));
    CHECK(accepts(filter, PacketBuilder().ethernet().pppoe().ipv4("100.64.0.7", "192.0.2.2").udp(40000, 5060).payload("x").build()));
    CHECK(accepts(filter, PacketBuilder().ethernet().vlan(100).pppoe().ipv6("2001:db8::1", "2001:db8::2").udp(40000, 5060).payload("x").build()));
    const auto any = default_filter({{5060}, {2775}, true});
    CHECK(accepts(any, PacketBuilder().ethernet().pppoe().ipv4("100.64.0.7", "192.0.2.2").udp(40000, 40001).payload("x").build()));

    // Every fragment of a SIP datagram, IPv4 and IPv6, plain and tagged, even on a port the
    // filter does not name (only the first fragment carries it).
    const std::string big(3000, 'a');
    for (auto builder : {PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").udp(40000, 5070).payload(big),
                         PacketBuilder().ethernet().ipv6("2001:db8::1", "2001:db8::2").udp(40000, 5070).payload(big),
                         PacketBuilder().ethernet().vlan(100).ipv4("192.0.2.1", "192.0.2.2").udp(40000, 5070).payload(big)}) {
        const auto pieces = builder.fragments(1200);
        REQUIRE(pieces.size() >= 3);
        for (const auto& piece : pieces) CHECK(accepts(filter, piece));
    }
}

TEST_CASE("a filter that does not compile is reported with libpcap's reason") {
    const auto err = filter_error("udp port");
    REQUIRE(err.has_value());
    CHECK(err->find("syntax error") != std::string::npos);
}

TEST_CASE("opening a missing interface names it") {
    std::string message;
    try {
        LiveCapture capture(LiveOptions{.interface = "sg-no-such0"});
    } catch (const CaptureError& e) {
        message = e.what();
    }
    INFO(message);
    CHECK(message.find("'sg-no-such0'") != std::string::npos);
    // As root: the interface is missing; otherwise permission comes first and names the capability.
    CHECK(message.find(geteuid() == 0 ? "no such interface" : "CAP_NET_RAW") != std::string::npos);
}

TEST_CASE("a bad filter on a live interface names the filter" * doctest::skip(geteuid() != 0)) {
    std::string message;
    try {
        LiveCapture capture(LiveOptions{.interface = "lo", .filter = "udp port"});
    } catch (const CaptureError& e) {
        message = e.what();
    }
    CHECK(message.find("bad filter 'udp port'") != std::string::npos);
}

// Needs CAP_NET_RAW: skipped otherwise (the whole-program test test_live_passive.sh covers more).
// The datagram goes to a loopback port the kernel picked for this run (a socket bound to port 0),
// so other tests and other checkouts on the machine sending on loopback are not in the filter.
TEST_CASE("live capture on loopback delivers a datagram with its timestamp, and counts it" * doctest::skip(geteuid() != 0)) {
    const int receiver = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(receiver >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof to;
    REQUIRE(bind(receiver, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);
    REQUIRE(getsockname(receiver, reinterpret_cast<sockaddr*>(&to), &length) == 0);
    const std::string port = std::to_string(ntohs(to.sin_port));

    LiveCapture capture(LiveOptions{.interface = "lo", .filter = "udp dst port " + port});
    CHECK(capture.linktype() == DLT_EN10MB);
    CHECK(capture.selectable_fd() >= 0);
    CHECK_FALSE(capture.next().has_value());  // nothing waiting: returns at once

    const int sock = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(sock >= 0);
    const std::string text = "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n\r\n";
    const auto before = std::chrono::system_clock::now();
    REQUIRE(sendto(sock, text.data(), text.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
            static_cast<ssize_t>(text.size()));
    close(sock);

    std::optional<Packet> packet;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!packet && std::chrono::steady_clock::now() < deadline) {
        packet = capture.next();
        if (!packet) usleep(1000);
    }
    REQUIRE(packet.has_value());
    CHECK(capture.error().empty());
    CHECK(packet->number == 1);
    CHECK(packet->wire_length == 14 + 20 + 8 + text.size());
    const std::string payload(reinterpret_cast<const char*>(packet->data.data()) + 42, text.size());
    CHECK(payload == text);
    const auto sent_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(before.time_since_epoch()).count();
    CHECK(packet->ts >= sent_ns - 1'000'000'000);
    CHECK(packet->ts <= sent_ns + 5'000'000'000);
    CHECK(capture.stats().received >= 1);
    CHECK(capture.packets() == 1);
    close(receiver);
}

TEST_CASE("the fanout hash is the same both ways and spreads address pairs over every member") {
    const std::uint32_t a = 0xCB007102;  // 203.0.113.2
    std::vector<int> seen(3, 0);
    for (std::uint32_t last = 1; last < 200; ++last) {
        const std::uint32_t b = 0xC0000200 | last;  // 192.0.2.x
        CHECK(fanout_member_v4(a, b, 3) == fanout_member_v4(b, a, 3));
        ++seen[fanout_member_v4(a, b, 3)];
    }
    for (int count : seen) CHECK(count > 30);  // 199 pairs over 3 members: none nearly empty
    CHECK(fanout_member_v4(a, 0xC0000202, 1) == 0);
}

// Needs CAP_NET_RAW: two captures of lo in one fanout group; a datagram from 127.0.0.1 to each of
// two loopback addresses the hash gives to different members arrives at that member only.
TEST_CASE("a fanout group hands each address pair to the member the hash names, once" * doctest::skip(geteuid() != 0)) {
    const int receiver = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(receiver >= 0);
    sockaddr_in bound{};
    bound.sin_family = AF_INET;
    bound.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t length = sizeof bound;
    REQUIRE(bind(receiver, reinterpret_cast<const sockaddr*>(&bound), sizeof bound) == 0);
    REQUIRE(getsockname(receiver, reinterpret_cast<sockaddr*>(&bound), &length) == 0);
    const std::string port = std::to_string(ntohs(bound.sin_port));

    auto members = open_fanout(LiveOptions{.interface = "lo", .filter = "udp dst port " + port}, 2);
    REQUIRE(members.size() == 2);
    REQUIRE(members[0].fanout_group().has_value());
    CHECK(members[0].fanout_group() == members[1].fanout_group());

    // The first 127.0.0.x (from .2) that each member gets, with 127.0.0.1 as the source.
    std::vector<std::uint32_t> destination(2, 0);
    for (std::uint32_t last = 2; last < 255 && (destination[0] == 0 || destination[1] == 0); ++last) {
        auto& slot = destination[fanout_member_v4(0x7F000001, 0x7F000000 | last, 2)];
        if (slot == 0) slot = 0x7F000000 | last;
    }
    const int sender = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(sender >= 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(0x7F000001);
    REQUIRE(bind(sender, reinterpret_cast<const sockaddr*>(&from), sizeof from) == 0);
    for (std::uint32_t address : destination) {
        sockaddr_in to = bound;
        to.sin_addr.s_addr = htonl(address);
        REQUIRE(sendto(sender, "x", 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 1);
    }
    close(sender);

    // Each member reads until it has one datagram, or 5 s; then nothing more may be waiting.
    for (std::size_t m = 0; m < 2; ++m) {
        INFO("member " << m);
        std::optional<Packet> packet;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!packet && std::chrono::steady_clock::now() < deadline) {
            packet = members[m].next();
            if (!packet) usleep(1000);
        }
        REQUIRE(packet.has_value());
        REQUIRE(packet->data.size() >= 34);
        const std::uint32_t dst = (std::uint32_t{packet->data[30]} << 24) | (std::uint32_t{packet->data[31]} << 16) |
                                  (std::uint32_t{packet->data[32]} << 8) | packet->data[33];
        CHECK(dst == destination[m]);
    }
    usleep(50'000);
    CHECK_FALSE(members[0].next().has_value());
    CHECK_FALSE(members[1].next().has_value());
    close(receiver);
}
