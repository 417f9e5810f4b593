#pragma once
// Building and changing packets on the way through (inline modes): where the transport payload of
// an IP datagram sits, a UDP payload replaced with lengths and checksums recomputed, checksums
// fixed after a same-length change, a UDP reply datagram built from scratch, and the Ethernet
// framing of both. Only plain datagrams are changed: an IPv4 fragment, an IPv6 packet with
// extension headers or a tunnelled packet gives nullopt and the caller leaves the packet alone.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "net/flow.h"

namespace scamgate::net {

using PacketBytes = std::vector<std::uint8_t>;

// Where the parts of a plain IPv4 or IPv6 datagram carrying UDP or TCP are.
struct DatagramLayout {
    bool v4 = true;
    IpProto proto = IpProto::udp;
    std::size_t transport_offset = 0;  // UDP or TCP header
    std::size_t payload_offset = 0;    // first byte after the UDP/TCP header
    std::size_t end = 0;               // end of the datagram by its IP length (link padding excluded)
};

// The layout of `ip`, or nullopt when it is not a whole, plain UDP/TCP datagram whose lengths agree
// with the bytes present (fragment, IPv6 extension headers, truncated, other protocol).
std::optional<DatagramLayout> layout_of(ByteView ip);

// The Internet checksum (RFC 1071) of `data`, starting from the partial sum `initial`.
std::uint16_t internet_checksum(ByteView data, std::uint32_t initial = 0);

// Recomputes the IPv4 header checksum and the UDP/TCP checksum of `ip` in place (after a
// same-length change of the payload). False when `ip` has no plain layout.
bool fix_checksums(std::span<std::uint8_t> ip);

// `ip` with its UDP payload replaced by `payload`: IP total/payload length, UDP length and both
// checksums recomputed. nullopt when `ip` is not a plain UDP datagram or the result exceeds 65535.
std::optional<PacketBytes> replace_udp_payload(ByteView ip, std::string_view payload);

// A new IPv4 or IPv6 UDP datagram from tuple.src:src_port to tuple.dst:dst_port.
PacketBytes build_udp_datagram(const FlowTuple& tuple, std::string_view payload, std::uint8_t ttl = 64);

// Offset of the IP header in an Ethernet frame (DLT_EN10MB = 1, up to two VLAN tags) or a raw IP
// packet (LINKTYPE_RAW 101, DLT_RAW 12/14): nullopt when the frame does not carry IPv4 or IPv6.
std::optional<std::size_t> ip_offset_in_frame(ByteView frame, int linktype);

// `frame`'s link header (its first `ip_offset` bytes) followed by `ip`; with `reverse` the
// Ethernet source and destination addresses are swapped (a reply to the frame's sender).
PacketBytes reframe(ByteView frame, std::size_t ip_offset, ByteView ip, bool reverse, int linktype);

}  // namespace scamgate::net
