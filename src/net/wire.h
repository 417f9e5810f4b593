#pragma once
// Wire constants of the link and IP layers, shared by the packet decoder and the shard peek
// (net/shard.h) so both read a frame the same way.
#include <cstddef>
#include <cstdint>

namespace scamgate::net::wire {

namespace ethertype {
constexpr std::uint16_t ipv4 = 0x0800, ipv6 = 0x86DD, vlan = 0x8100, qinq = 0x88A8,
                        qinq_old = 0x9100, transparent_ethernet = 0x6558, erspan12 = 0x88BE,
                        erspan3 = 0x22EB, pppoe_session = 0x8864,
                        ppp = 0x880B;  // the GRE protocol of PPTP's enhanced GRE
}

namespace ppp_protocol {
constexpr std::uint16_t ipv4 = 0x0021, ipv6 = 0x0057;
}

namespace dlt {
constexpr int null = 0, en10mb = 1, raw = 12, raw_openbsd = 14, linktype_raw = 101, loop = 108,
              linux_sll = 113, ipv4 = 228, ipv6 = 229, linux_sll2 = 276;
}

namespace ipproto {
constexpr std::uint8_t hop_by_hop = 0, ipip = 4, tcp = 6, udp = 17, ipv6 = 41, routing = 43,
                       fragment = 44, gre = 47, ah = 51, no_next = 59, dest_options = 60,
                       sctp = 132, mobility = 135;
}

constexpr std::size_t kMaxIpv6ExtensionHeaders = 16;
constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kSllHeader = 16;
constexpr std::size_t kSll2Header = 20;
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kSctpCommonHeader = 12;
constexpr std::size_t kPppoeHeader = 6;

constexpr bool is_vlan_tpid(std::uint16_t type) {
    return type == ethertype::vlan || type == ethertype::qinq || type == ethertype::qinq_old;
}

// AF_INET6 differs between the BSDs (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).
constexpr bool is_bsd_af_inet6(std::uint32_t family) { return family == 24 || family == 28 || family == 30; }

// The length of an IPv6 extension header (`next` is its type, `data` starts at it; data[1] is
// its length field): AH counts 4-byte words minus 2, the others 8-byte words minus 1.
constexpr std::size_t ipv6_extension_length(std::uint8_t next, std::uint8_t length_field) {
    return next == ipproto::ah ? (std::size_t{length_field} + 2) * 4 : (std::size_t{length_field} + 1) * 8;
}

}  // namespace scamgate::net::wire
