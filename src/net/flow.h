#pragma once
// What the network layer hands upward: a transport payload with its flow and encapsulation.
#include <array>
#include <cstdint>
#include <functional>

#include "common/bytes.h"
#include "common/ip_address.h"
#include "common/time.h"

namespace scamgate::net {

enum class IpProto : std::uint8_t { tcp = 6, udp = 17, sctp = 132 };

const char* transport_name(IpProto proto);  // "tcp", "udp", "sctp"

struct FlowTuple {
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    IpProto proto = IpProto::udp;

    FlowTuple reversed() const { return {dst, src, dst_port, src_port, proto}; }
    bool operator==(const FlowTuple&) const = default;
    std::size_t hash() const;
    // Same value for both directions of a flow: what shards a flow onto one worker.
    std::size_t symmetric_hash() const;
};

// pptp: enhanced GRE version 1 (RFC 2637) carrying PPP; its id is the GRE call id.
enum class TunnelKind : std::uint8_t { none, gre, erspan1, erspan2, erspan3, ipip, gtpu, pptp };

const char* tunnel_name(TunnelKind kind);

// How the packet reached us: VLAN tags (outermost first) and the outermost tunnel, if any.
struct Encapsulation {
    static constexpr std::size_t kMaxVlans = 4;
    std::array<std::uint16_t, kMaxVlans> vlan_ids{};
    std::uint8_t vlan_count = 0;
    TunnelKind tunnel = TunnelKind::none;
    IpAddress tunnel_src;        // outer source address of the outermost tunnel
    IpAddress tunnel_dst;        // outer destination address of the outermost tunnel
    std::uint32_t tunnel_id = 0; // GRE key, ERSPAN session id, GTP-U TEID or PPTP call id (0 if none)
};

namespace tcp_flags {
constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

// A UDP datagram or a TCP segment after link, IP, tunnel and fragment decoding. For SCTP the
// decoder hands over the whole SCTP packet (common header and chunks) for net::SctpAssembler, and
// the assembler hands each SCTP user message upward in the same struct (payload = the message).
struct TransportPayload {
    Timestamp ts = 0;
    std::uint64_t packet_number = 0;
    FlowTuple tuple;
    Encapsulation encap;
    ByteView payload;  // valid only during the callback that receives it
    bool truncated = false;  // the capture (snaplen) cut this payload short of its IP length
    // TCP only
    std::uint32_t tcp_seq = 0;
    std::uint32_t tcp_ack = 0;
    std::uint8_t tcp_flags = 0;
};

}  // namespace scamgate::net

template <>
struct std::hash<scamgate::net::FlowTuple> {
    std::size_t operator()(const scamgate::net::FlowTuple& t) const noexcept { return t.hash(); }
};
