#include "net/decoder.h"

#include <array>
#include <optional>

#include "net/defrag.h"
#include "net/wire.h"

namespace scamgate::net {
namespace {

constexpr std::uint16_t kGtpuPort = 2152;
constexpr std::uint8_t kGtpMessageGpdu = 255;

using namespace wire;  // the constants shared with the shard peek (net/shard.cpp)

struct Addresses {
    IpAddress src;
    IpAddress dst;
};

}  // namespace

AnomalyInfo describe(NetAnomaly anomaly) {
    switch (anomaly) {
        case NetAnomaly::unsupported_linktype: return {"net.unsupported_linktype", "link type the decoder does not understand"};
        case NetAnomaly::truncated_link_header: return {"net.truncated_link_header", "frame shorter than its link-layer header"};
        case NetAnomaly::too_many_vlans: return {"net.too_many_vlans", "more VLAN tags than Encapsulation::kMaxVlans"};
        case NetAnomaly::unknown_ethertype: return {"net.unknown_ethertype", "ethertype the decoder cannot follow"};
        case NetAnomaly::truncated_ipv4_header: return {"ipv4.truncated_header", "IPv4 header cut short"};
        case NetAnomaly::bad_ipv4_version: return {"ipv4.bad_version", "IPv4 header whose version is not 4"};
        case NetAnomaly::bad_ipv4_header_length: return {"ipv4.bad_header_length", "IPv4 IHL below 5"};
        case NetAnomaly::bad_ipv4_total_length: return {"ipv4.bad_total_length", "IPv4 total length smaller than its header"};
        case NetAnomaly::truncated_ipv6_header: return {"ipv6.truncated_header", "IPv6 header cut short"};
        case NetAnomaly::bad_ipv6_extension_header: return {"ipv6.bad_extension_header", "IPv6 extension header chain malformed or cut short"};
        case NetAnomaly::truncated_udp_header: return {"udp.truncated_header", "UDP header cut short"};
        case NetAnomaly::bad_udp_length: return {"udp.bad_length", "UDP length below 8 or beyond the IP payload"};
        case NetAnomaly::truncated_tcp_header: return {"tcp.truncated_header", "TCP header (with options) cut short"};
        case NetAnomaly::bad_tcp_data_offset: return {"tcp.bad_data_offset", "TCP data offset below 5"};
        case NetAnomaly::fragment_overlap: return {"ip.fragment_overlap", "overlapping fragments with different content; datagram dropped"};
        case NetAnomaly::fragment_too_large: return {"ip.fragment_too_large", "fragment beyond the largest datagram allowed"};
        case NetAnomaly::fragment_table_full: return {"ip.fragment_table_full", "fragment train evicted or refused to stay within limits"};
        case NetAnomaly::fragment_timeout: return {"ip.fragment_timeout", "fragment train incomplete at its timeout"};
        case NetAnomaly::bad_fragment_offset: return {"ip.bad_fragment_offset", "fragment length/offset inconsistent with the train"};
        case NetAnomaly::truncated_tunnel_header: return {"tunnel.truncated_header", "GRE/ERSPAN/GTP-U header cut short"};
        case NetAnomaly::unsupported_tunnel: return {"tunnel.unsupported", "tunnel variant or payload the decoder cannot follow"};
        case NetAnomaly::tunnel_too_deep: return {"tunnel.too_deep", "more nested tunnels than max_tunnel_depth"};
        case NetAnomaly::snaplen_cut: return {"net.snaplen_cut", "IP length beyond the captured bytes; decoded what was captured"};
        case NetAnomaly::bad_ipv6_version: return {"ipv6.bad_version", "IPv6 header whose version is not 6"};
        case NetAnomaly::bad_ip_version: return {"ip.bad_version", "raw IP whose version is neither 4 nor 6"};
        case NetAnomaly::bad_pppoe_header: return {"pppoe.bad_header", "PPPoE session header cut short, or version/type not 1/1, or code not 0"};
        case NetAnomaly::bad_pppoe_length: return {"pppoe.bad_length", "PPPoE length beyond the frame; dropped as the access concentrator would"};
        case NetAnomaly::truncated_ppp_header: return {"ppp.truncated_header", "PPP frame too short for its address/control and protocol fields"};
        case NetAnomaly::bad_pptp_header: return {"tunnel.bad_pptp_header", "enhanced GRE (version 1) without its key, with checksum/routing/recursion set, not PPP, or a payload length beyond the packet"};
        case NetAnomaly::truncated_sctp_header: return {"sctp.truncated_header", "SCTP packet shorter than its 12-byte common header"};
        case NetAnomaly::count_: break;
    }
    return {"net.unknown", "unknown network anomaly"};
}

bool is_supported_linktype(int linktype) {
    switch (linktype) {
        case dlt::null: case dlt::en10mb: case dlt::raw: case dlt::raw_openbsd:
        case dlt::linktype_raw: case dlt::loop: case dlt::linux_sll: case dlt::ipv4:
        case dlt::ipv6: case dlt::linux_sll2:
            return true;
        default:
            return false;
    }
}

struct PacketDecoder::Impl final : detail::FragmentObserver {
    Impl(const NetLimits& net_limits, DecodeSink& decode_sink)
        : limits(net_limits), sink(decode_sink), fragments(net_limits, *this) {}

    struct Counters {
        std::uint64_t packets = 0, bytes = 0, errors = 0, ipv4 = 0, ipv6 = 0, udp = 0, tcp = 0,
                      fragments = 0, reassembled = 0, other = 0;
        std::uint64_t sctp = 0, pppoe = 0;
        std::array<std::uint64_t, 8> tunnels{};  // indexed by TunnelKind
    };

    // State of the packet being decoded; reset by decode().
    struct PacketContext {
        Timestamp ts = 0;
        std::uint64_t number = 0;
        Encapsulation encap;
        std::size_t tunnel_depth = 0;
        bool capture_cut = false;   // caplen < wire length
        bool ip_truncated = false;  // an IP length reached beyond the captured bytes
        bool error = false;
    };

    NetLimits limits;
    DecodeSink& sink;
    detail::FragmentTable fragments;
    Counters counters;
    AnomalyCounts<NetAnomaly> anomalies;
    PacketContext ctx;

    void decode(const capture::Packet& packet) {
        ++counters.packets;
        counters.bytes += packet.wire_length;
        ctx = PacketContext{};
        ctx.ts = packet.ts;
        ctx.number = packet.number;
        ctx.capture_cut = packet.data.size() < packet.wire_length;
        decode_link(packet.linktype, packet.data);
        if (ctx.error) ++counters.errors;
    }

    void count(NetAnomaly anomaly) {
        if (anomaly == NetAnomaly::snaplen_cut) {
            if (ctx.ip_truncated) return;  // once per packet, however many layers see it
            ctx.ip_truncated = true;
            if (!ctx.capture_cut) ctx.error = true;
        } else {
            ctx.error = true;
        }
        report(anomaly);
    }

    void report(NetAnomaly anomaly) {
        anomalies.add(anomaly);
        sink.on_anomaly(describe(anomaly));
    }

    void fragment_anomaly(NetAnomaly anomaly, bool from_current_packet) override {
        if (from_current_packet) {
            count(anomaly);
        } else {
            report(anomaly);
        }
    }

    // ---- link layer ----

    void decode_link(int linktype, ByteView data) {
        switch (linktype) {
            case dlt::en10mb: return decode_ethernet(data);
            case dlt::linux_sll: return decode_sll(data);
            case dlt::linux_sll2: return decode_sll2(data);
            case dlt::raw: case dlt::raw_openbsd: case dlt::linktype_raw: return decode_raw_ip(data);
            case dlt::ipv4: return decode_ipv4(data);
            case dlt::ipv6: return decode_ipv6(data);
            case dlt::null: return decode_bsd_loopback(data, false);
            case dlt::loop: return decode_bsd_loopback(data, true);
            default: return count(NetAnomaly::unsupported_linktype);
        }
    }

    void decode_ethernet(ByteView data) {
        if (data.size() < kEthernetHeader) return count(NetAnomaly::truncated_link_header);
        decode_ethertype(load_be16(data.data() + 12), data.subspan(kEthernetHeader));
    }

    void decode_sll(ByteView data) {
        if (data.size() < kSllHeader) return count(NetAnomaly::truncated_link_header);
        decode_ethertype(load_be16(data.data() + 14), data.subspan(kSllHeader));
    }

    void decode_sll2(ByteView data) {
        if (data.size() < kSll2Header) return count(NetAnomaly::truncated_link_header);
        decode_ethertype(load_be16(data.data()), data.subspan(kSll2Header));
    }

    // DLT_NULL stores the address family in the capturing host's byte order, so try both.
    void decode_bsd_loopback(ByteView data, bool big_endian_only) {
        if (data.size() < 4) return count(NetAnomaly::truncated_link_header);
        const std::uint32_t be = load_be32(data.data());
        const std::uint32_t le = load_le32(data.data());
        const auto is_family = [&](auto predicate) {
            return predicate(be) || (!big_endian_only && predicate(le));
        };
        const ByteView rest = data.subspan(4);
        if (is_family([](std::uint32_t f) { return f == 2; })) return decode_ipv4(rest);
        if (is_family(is_bsd_af_inet6)) return decode_ipv6(rest);
        ++counters.other;
    }

    void decode_raw_ip(ByteView data) {
        if (data.empty()) return count(NetAnomaly::truncated_link_header);
        decode_ip_by_version(data);
    }

    void decode_ip_by_version(ByteView data) {
        switch (data[0] >> 4) {
            case 4: return decode_ipv4(data);
            case 6: return decode_ipv6(data);
            default: return count(NetAnomaly::bad_ip_version);
        }
    }

    // Follows VLAN tags, then hands the payload to IPv4/IPv6; anything else is "other" traffic.
    void decode_ethertype(std::uint16_t type, ByteView data) {
        std::size_t tags_here = 0;
        while (is_vlan_tpid(type)) {
            if (data.size() < 4) return count(NetAnomaly::truncated_link_header);
            push_vlan(static_cast<std::uint16_t>(load_be16(data.data()) & 0x0FFF), ++tags_here);
            type = load_be16(data.data() + 2);
            data = data.subspan(4);
        }
        if (type == ethertype::ipv4) return decode_ipv4(data);
        if (type == ethertype::ipv6) return decode_ipv6(data);
        if (type == ethertype::pppoe_session) return decode_pppoe_session(data);
        ++counters.other;  // ARP, PPPoE discovery (0x8863), LLDP, ...: not IP, not an error
    }

    // RFC 2516 session stage: ver/type 0x11, code 0, session id, length, then a PPP frame without
    // address/control fields. The length bounds the PPP frame (Ethernet padding follows); a length
    // beyond the frame is dropped, as the Linux PPPoE driver drops it, unless the capture cut it.
    void decode_pppoe_session(ByteView data) {
        if (data.size() < kPppoeHeader || data[0] != 0x11 || data[1] != 0x00) {
            return count(NetAnomaly::bad_pppoe_header);
        }
        ++counters.pppoe;
        const std::size_t length = load_be16(data.data() + 4);
        ByteView frame = data.subspan(kPppoeHeader);
        if (length > frame.size()) {
            if (!ctx.capture_cut) return count(NetAnomaly::bad_pppoe_length);
        } else {
            frame = frame.first(length);
        }
        decode_ppp(frame, false);
    }

    // A PPP frame: optional address/control 0xFF 0x03 (PPTP; absent when compressed, and never
    // on PPPoE), then the protocol in 2 bytes or, compressed (RFC 1661 PFC), in 1 byte: an odd
    // first byte is the whole protocol. IPv4 and IPv6 are followed; LCP, IPCP, CHAP, CCP, ... are
    // "other" traffic.
    void decode_ppp(ByteView data, bool may_have_address_control) {
        if (may_have_address_control && data.size() >= 2 && data[0] == 0xFF && data[1] == 0x03) data = data.subspan(2);
        if (data.empty()) return count(NetAnomaly::truncated_ppp_header);
        std::uint16_t protocol = data[0];
        if ((data[0] & 0x01) != 0) {
            data = data.subspan(1);
        } else {
            if (data.size() < 2) return count(NetAnomaly::truncated_ppp_header);
            protocol = load_be16(data.data());
            data = data.subspan(2);
        }
        if (protocol == ppp_protocol::ipv4) return decode_ipv4(data);
        if (protocol == ppp_protocol::ipv6) return decode_ipv6(data);
        ++counters.other;
    }

    // Outer tags first; tags beyond the array are dropped (the stack itself being too deep is
    // the anomaly, not an outer plus inner stack that together overflow).
    void push_vlan(std::uint16_t id, std::size_t tags_in_this_header) {
        if (tags_in_this_header == Encapsulation::kMaxVlans + 1) count(NetAnomaly::too_many_vlans);
        auto& encap = ctx.encap;
        if (encap.vlan_count < Encapsulation::kMaxVlans) encap.vlan_ids[encap.vlan_count++] = id;
    }

    // ---- IP ----

    // Bounds `data` to the IP datagram: trims link padding, notes a snaplen cut.
    ByteView clamp_to_length(ByteView data, std::size_t declared) {
        if (declared <= data.size()) return data.first(declared);
        count(NetAnomaly::snaplen_cut);
        return data;
    }

    void decode_ipv4(ByteView data) {
        if (data.size() < kIpv4MinHeader) return count(NetAnomaly::truncated_ipv4_header);
        const std::uint8_t* h = data.data();
        if ((h[0] >> 4) != 4) return count(NetAnomaly::bad_ipv4_version);
        const std::size_t header_length = std::size_t{h[0] & 0x0Fu} * 4;
        if (header_length < kIpv4MinHeader) return count(NetAnomaly::bad_ipv4_header_length);
        std::size_t total_length = load_be16(h + 2);
        if (total_length == 0) total_length = data.size();  // TSO: length left to the NIC
        if (total_length < header_length) return count(NetAnomaly::bad_ipv4_total_length);
        if (data.size() < header_length) return count(NetAnomaly::truncated_ipv4_header);
        ++counters.ipv4;
        data = clamp_to_length(data, total_length);

        const Addresses addresses{IpAddress::v4(h + 12), IpAddress::v4(h + 16)};
        const std::uint8_t protocol = h[9];
        const std::uint16_t flags_offset = load_be16(h + 6);
        const bool more_fragments = (flags_offset & 0x2000) != 0;
        const std::uint32_t offset = std::uint32_t{flags_offset & 0x1FFFu} * 8;
        const ByteView payload = data.subspan(header_length);
        if (!more_fragments && offset == 0) return decode_ip_payload(protocol, addresses, payload);

        ++counters.fragments;
        if (ctx.ip_truncated) return;  // a cut fragment cannot be reassembled faithfully
        auto key = fragment_key(addresses, load_be16(h + 4), protocol, false);
        auto done = fragments.add(key, ctx.ts, {offset, payload, more_fragments, protocol});
        if (!done) return;
        ++counters.reassembled;
        decode_ip_payload(protocol, addresses, done->datagram);
    }

    void decode_ipv6(ByteView data) {
        if (data.size() < kIpv6Header) return count(NetAnomaly::truncated_ipv6_header);
        const std::uint8_t* h = data.data();
        if ((h[0] >> 4) != 6) return count(NetAnomaly::bad_ipv6_version);
        ++counters.ipv6;
        const std::size_t payload_length = load_be16(h + 4);
        ByteView payload = data.subspan(kIpv6Header);
        // Payload length 0 with a hop-by-hop header is a jumbogram: the frame bounds it.
        if (payload_length != 0 || h[6] != ipproto::hop_by_hop) {
            payload = clamp_to_length(payload, payload_length);
        }
        const Addresses addresses{IpAddress::v6(h + 8), IpAddress::v6(h + 24)};
        walk_ipv6_chain(h[6], payload, addresses, false);
    }

    // Walks extension headers up to the upper-layer protocol. After reassembly the walk resumes
    // on the fragmentable part, where neither hop-by-hop nor another fragment header may appear.
    void walk_ipv6_chain(std::uint8_t next, ByteView data, const Addresses& addresses, bool reassembled) {
        for (std::size_t seen = 0; seen <= kMaxIpv6ExtensionHeaders; ++seen) {
            switch (next) {
                case ipproto::hop_by_hop:
                    if (seen != 0 || reassembled) return count(NetAnomaly::bad_ipv6_extension_header);
                    [[fallthrough]];
                case ipproto::routing:
                case ipproto::dest_options:
                case ipproto::mobility:
                case ipproto::ah: {
                    if (data.size() < 2) return count(NetAnomaly::bad_ipv6_extension_header);
                    const std::size_t length = ipv6_extension_length(next, data[1]);
                    if (data.size() < length) return count(NetAnomaly::bad_ipv6_extension_header);
                    next = data[0];
                    data = data.subspan(length);
                    break;
                }
                case ipproto::fragment: {
                    if (reassembled || data.size() < 8) return count(NetAnomaly::bad_ipv6_extension_header);
                    const std::uint16_t offset_flags = load_be16(data.data() + 2);
                    const std::uint32_t offset = offset_flags & 0xFFF8u;
                    const bool more = (offset_flags & 1) != 0;
                    next = data[0];
                    if (offset == 0 && !more) {  // atomic fragment (RFC 6946)
                        data = data.subspan(8);
                        break;
                    }
                    return decode_ipv6_fragment(load_be32(data.data() + 4),
                                                {offset, data.subspan(8), more, next}, addresses);
                }
                case ipproto::no_next:
                    return;
                default:
                    return decode_ip_payload(next, addresses, data);
            }
        }
        count(NetAnomaly::bad_ipv6_extension_header);
    }

    void decode_ipv6_fragment(std::uint32_t id, const detail::Fragment& fragment,
                              const Addresses& addresses) {
        ++counters.fragments;
        if (ctx.ip_truncated) return;
        auto done = fragments.add(fragment_key(addresses, id, 0, true), ctx.ts, fragment);
        if (!done) return;
        ++counters.reassembled;
        walk_ipv6_chain(done->next_header, done->datagram, addresses, true);
    }

    detail::FragmentKey fragment_key(const Addresses& addresses, std::uint32_t id,
                                     std::uint8_t protocol, bool ipv6) const {
        const Encapsulation& e = ctx.encap;
        return detail::FragmentKey{.src = addresses.src, .dst = addresses.dst, .id = id,
                                   .protocol = protocol, .ipv6 = ipv6, .vlan_ids = e.vlan_ids,
                                   .vlan_count = e.vlan_count, .tunnel = e.tunnel,
                                   .tunnel_src = e.tunnel_src, .tunnel_dst = e.tunnel_dst,
                                   .tunnel_id = e.tunnel_id};
    }

    void decode_ip_payload(std::uint8_t protocol, const Addresses& addresses, ByteView payload) {
        switch (protocol) {
            case ipproto::udp: return decode_udp(addresses, payload);
            case ipproto::tcp: return decode_tcp(addresses, payload);
            case ipproto::gre: return decode_gre(addresses, payload);
            case ipproto::sctp: return decode_sctp(addresses, payload);
            case ipproto::ipip:
                if (enter_tunnel(TunnelKind::ipip, addresses, 0)) decode_ipv4(payload);
                return;
            case ipproto::ipv6:
                if (enter_tunnel(TunnelKind::ipip, addresses, 0)) decode_ipv6(payload);
                return;
            default:
                ++counters.other;
        }
    }

    // ---- transport ----

    void decode_udp(const Addresses& addresses, ByteView data) {
        if (data.size() < kUdpHeader) return count(NetAnomaly::truncated_udp_header);
        const std::uint8_t* h = data.data();
        const std::size_t length = load_be16(h + 4);
        if (length < kUdpHeader) return count(NetAnomaly::bad_udp_length);
        if (length > data.size() && !ctx.ip_truncated) return count(NetAnomaly::bad_udp_length);
        ++counters.udp;
        const ByteView payload = data.first(std::min(length, data.size())).subspan(kUdpHeader);
        const std::uint16_t src_port = load_be16(h);
        const std::uint16_t dst_port = load_be16(h + 2);
        if ((dst_port == kGtpuPort || src_port == kGtpuPort) && decode_gtpu(addresses, payload)) return;
        deliver(addresses, src_port, dst_port, IpProto::udp, payload, 0, 0, 0);
    }

    void decode_tcp(const Addresses& addresses, ByteView data) {
        if (data.size() < kTcpMinHeader) return count(NetAnomaly::truncated_tcp_header);
        const std::uint8_t* h = data.data();
        const std::size_t header_length = static_cast<std::size_t>(h[12] >> 4) * 4;
        if (header_length < kTcpMinHeader) return count(NetAnomaly::bad_tcp_data_offset);
        if (header_length > data.size()) return count(NetAnomaly::truncated_tcp_header);
        ++counters.tcp;
        const std::uint8_t flags = h[13];
        const ByteView payload = data.subspan(header_length);
        constexpr std::uint8_t kControl = tcp_flags::syn | tcp_flags::fin | tcp_flags::rst;
        if (payload.empty() && (flags & kControl) == 0) return;
        deliver(addresses, load_be16(h), load_be16(h + 2), IpProto::tcp, payload, load_be32(h + 4),
                load_be32(h + 8), flags);
    }

    // Only the common header is checked here: the chunks, the checksum and the association state
    // are net::SctpAssembler's (it needs the whole packet to verify the CRC32c).
    void decode_sctp(const Addresses& addresses, ByteView data) {
        if (data.size() < kSctpCommonHeader) return count(NetAnomaly::truncated_sctp_header);
        ++counters.sctp;
        deliver(addresses, load_be16(data.data()), load_be16(data.data() + 2), IpProto::sctp, data, 0, 0, 0);
    }

    void deliver(const Addresses& addresses, std::uint16_t src_port, std::uint16_t dst_port,
                 IpProto proto, ByteView payload, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags) {
        TransportPayload out;
        out.ts = ctx.ts;
        out.packet_number = ctx.number;
        out.tuple = FlowTuple{addresses.src, addresses.dst, src_port, dst_port, proto};
        out.encap = ctx.encap;
        out.payload = payload;
        out.truncated = ctx.ip_truncated;
        out.tcp_seq = seq;
        out.tcp_ack = ack;
        out.tcp_flags = flags;
        sink.on_transport(out);
    }

    // ---- tunnels ----

    bool enter_tunnel(TunnelKind kind, const Addresses& outer, std::uint32_t id) {
        if (ctx.tunnel_depth >= limits.max_tunnel_depth) {
            count(NetAnomaly::tunnel_too_deep);
            return false;
        }
        ++ctx.tunnel_depth;
        ++counters.tunnels[static_cast<std::size_t>(kind)];
        if (ctx.encap.tunnel == TunnelKind::none) {
            ctx.encap.tunnel = kind;
            ctx.encap.tunnel_src = outer.src;
            ctx.encap.tunnel_dst = outer.dst;
            ctx.encap.tunnel_id = id;
        }
        return true;
    }

    void decode_gre(const Addresses& outer, ByteView data) {
        constexpr std::uint16_t kChecksum = 0x8000, kRouting = 0x4000, kKey = 0x2000, kSeq = 0x1000;
        if (data.size() < 4) return count(NetAnomaly::truncated_tunnel_header);
        const std::uint16_t flags = load_be16(data.data());
        const std::uint16_t protocol = load_be16(data.data() + 2);
        if ((flags & 0x7) == 1) return decode_pptp(outer, data);
        if ((flags & 0x7) != 0 || (flags & kRouting) != 0) return count(NetAnomaly::unsupported_tunnel);
        ByteReader reader(data.subspan(4));
        if ((flags & kChecksum) != 0 && !reader.skip(4)) return count(NetAnomaly::truncated_tunnel_header);
        std::uint32_t key = 0;
        if ((flags & kKey) != 0) {
            auto value = reader.be32();
            if (!value) return count(NetAnomaly::truncated_tunnel_header);
            key = *value;
        }
        const bool has_sequence = (flags & kSeq) != 0;
        if (has_sequence && !reader.skip(4)) return count(NetAnomaly::truncated_tunnel_header);
        const ByteView inner = reader.rest();
        switch (protocol) {
            case ethertype::ipv4:
                if (enter_tunnel(TunnelKind::gre, outer, key)) decode_ipv4(inner);
                return;
            case ethertype::ipv6:
                if (enter_tunnel(TunnelKind::gre, outer, key)) decode_ipv6(inner);
                return;
            case ethertype::transparent_ethernet:
                if (enter_tunnel(TunnelKind::gre, outer, key)) decode_ethernet(inner);
                return;
            case ethertype::erspan12:
                return has_sequence ? decode_erspan2(outer, inner) : decode_erspan1(outer, inner);
            case ethertype::erspan3:
                return decode_erspan3(outer, inner);
            default:
                return count(NetAnomaly::unsupported_tunnel);
        }
    }

    // Enhanced GRE, version 1 (RFC 2637 4.1): flags C=0 R=0 K=1 s=0 recur=0, protocol 0x880B, the
    // key split into payload length and call id, then a sequence number (S: the packet carries
    // data) and an acknowledgment number (A). A packet without S is an acknowledgment only. The
    // payload length bounds the PPP frame; a Linux PPTP peer drops a packet that is shorter.
    void decode_pptp(const Addresses& outer, ByteView data) {
        constexpr std::uint16_t kChecksum = 0x8000, kRouting = 0x4000, kKey = 0x2000, kSeq = 0x1000,
                                kStrictRoute = 0x0800, kRecursion = 0x0700, kAck = 0x0080;
        const std::uint16_t flags = load_be16(data.data());
        if ((flags & (kChecksum | kRouting | kStrictRoute | kRecursion)) != 0 || (flags & kKey) == 0 ||
            load_be16(data.data() + 2) != ethertype::ppp) {
            return count(NetAnomaly::bad_pptp_header);
        }
        ByteReader reader(data.subspan(4));
        const auto payload_length = reader.be16();
        const auto call_id = reader.be16();
        if (!call_id) return count(NetAnomaly::truncated_tunnel_header);
        if ((flags & kSeq) != 0 && !reader.skip(4)) return count(NetAnomaly::truncated_tunnel_header);
        if ((flags & kAck) != 0 && !reader.skip(4)) return count(NetAnomaly::truncated_tunnel_header);
        if ((flags & kSeq) == 0) return;  // acknowledgment only: no PPP frame
        ByteView frame = reader.rest();
        if (*payload_length > frame.size()) {
            if (!ctx.ip_truncated) return count(NetAnomaly::bad_pptp_header);
        } else {
            frame = frame.first(*payload_length);
        }
        if (enter_tunnel(TunnelKind::pptp, outer, *call_id)) decode_ppp(frame, true);
    }

    void decode_erspan1(const Addresses& outer, ByteView inner) {
        if (enter_tunnel(TunnelKind::erspan1, outer, 0)) decode_ethernet(inner);
    }

    void decode_erspan2(const Addresses& outer, ByteView data) {
        constexpr std::size_t kHeader = 8;
        if (data.size() < kHeader) return count(NetAnomaly::truncated_tunnel_header);
        if ((data[0] >> 4) != 1) return count(NetAnomaly::unsupported_tunnel);
        const std::uint32_t session = load_be16(data.data() + 2) & 0x03FFu;
        if (enter_tunnel(TunnelKind::erspan2, outer, session)) decode_ethernet(data.subspan(kHeader));
    }

    void decode_erspan3(const Addresses& outer, ByteView data) {
        constexpr std::size_t kHeader = 12, kPlatformSubheader = 8;
        if (data.size() < kHeader) return count(NetAnomaly::truncated_tunnel_header);
        if ((data[0] >> 4) != 2) return count(NetAnomaly::unsupported_tunnel);
        const std::uint32_t session = load_be16(data.data() + 2) & 0x03FFu;
        const bool has_platform_subheader = (data[11] & 0x01) != 0;
        const std::size_t header = kHeader + (has_platform_subheader ? kPlatformSubheader : 0);
        if (data.size() < header) return count(NetAnomaly::truncated_tunnel_header);
        if (enter_tunnel(TunnelKind::erspan3, outer, session)) decode_ethernet(data.subspan(header));
    }

    // Returns false when the datagram is not GTPv1-U, so the caller delivers it as plain UDP.
    bool decode_gtpu(const Addresses& outer, ByteView data) {
        constexpr std::size_t kMandatory = 8;
        constexpr std::uint8_t kExtension = 0x04, kSequence = 0x02, kNpdu = 0x01;
        if (data.empty() && ctx.ip_truncated) {  // the capture ended where GTP-U would start
            count(NetAnomaly::truncated_tunnel_header);
            return true;
        }
        if (data.empty() || (data[0] >> 5) != 1 || (data[0] & 0x10) == 0) return false;
        if (data.size() < kMandatory) {
            count(NetAnomaly::truncated_tunnel_header);
            return true;
        }
        const std::uint8_t flags = data[0];
        if (data[1] != kGtpMessageGpdu) return true;  // echo, error indication, ...: not user data
        const std::size_t length = load_be16(data.data() + 2);
        const std::uint32_t teid = load_be32(data.data() + 4);
        ByteView body = data.subspan(kMandatory);
        if (length > body.size() && !ctx.ip_truncated) {
            count(NetAnomaly::truncated_tunnel_header);
            return true;
        }
        body = body.first(std::min(length, body.size()));
        if ((flags & (kExtension | kSequence | kNpdu)) != 0) {
            auto inner = skip_gtpu_optional_fields(body, (flags & kExtension) != 0);
            if (!inner) {
                count(NetAnomaly::truncated_tunnel_header);
                return true;
            }
            body = *inner;
        }
        if (!enter_tunnel(TunnelKind::gtpu, outer, teid)) return true;
        if (body.empty()) {
            count(NetAnomaly::truncated_tunnel_header);
        } else if (const int version = body[0] >> 4; version == 4 || version == 6) {
            decode_ip_by_version(body);
        } else {
            count(NetAnomaly::unsupported_tunnel);
        }
        return true;
    }

    // Sequence number, N-PDU and next-extension type, then the extension header chain.
    static std::optional<ByteView> skip_gtpu_optional_fields(ByteView body, bool has_extensions) {
        if (body.size() < 4) return std::nullopt;
        std::uint8_t next_type = has_extensions ? body[3] : 0;
        body = body.subspan(4);
        while (next_type != 0) {
            if (body.empty() || body[0] == 0) return std::nullopt;
            const std::size_t length = std::size_t{body[0]} * 4;
            if (body.size() < length) return std::nullopt;
            next_type = body[length - 1];
            body = body.subspan(length);
        }
        return body;
    }

    void append_stats(StatsReport& report) const {
        report.add("packets", counters.packets);
        report.add("bytes", counters.bytes);
        report.add("decode.errors", counters.errors);
        report.add("ipv4.packets", counters.ipv4);
        report.add("ipv6.packets", counters.ipv6);
        report.add("udp.datagrams", counters.udp);
        report.add("tcp.segments", counters.tcp);
        report.add("sctp.packets", counters.sctp);
        report.add("pppoe.frames", counters.pppoe);
        report.add("ip.fragments", counters.fragments);
        report.add("ip.reassembled", counters.reassembled);
        report.add("net.other", counters.other);
        for (auto kind : {TunnelKind::gre, TunnelKind::erspan1, TunnelKind::erspan2,
                          TunnelKind::erspan3, TunnelKind::ipip, TunnelKind::gtpu, TunnelKind::pptp}) {
            std::string name = "tunnel.";
            name += tunnel_name(kind);
            report.add(name, counters.tunnels[static_cast<std::size_t>(kind)]);
        }
        anomalies.append_to(report);
    }
};

PacketDecoder::PacketDecoder(const NetLimits& limits, DecodeSink& sink)
    : impl_(std::make_unique<Impl>(limits, sink)) {}

PacketDecoder::~PacketDecoder() = default;

void PacketDecoder::decode(const capture::Packet& packet) { impl_->decode(packet); }

void PacketDecoder::expire(Timestamp now) { impl_->fragments.expire(now); }

void PacketDecoder::append_stats(StatsReport& report) const { impl_->append_stats(report); }

}  // namespace scamgate::net
