#pragma once
// Link layer (Ethernet, VLAN, PPPoE, cooked, loopback, raw) -> IPv4/IPv6 (extension headers,
// fragment reassembly) -> tunnels (GRE, PPTP, ERSPAN, IP-in-IP, GTP-U) -> UDP datagram, TCP
// segment or SCTP packet (whose chunks net::SctpAssembler reads). Stateless apart from the
// fragment tables; one decoder per worker.
#include <cstddef>
#include <memory>

#include "capture/packet.h"
#include "common/anomaly.h"
#include "common/stats.h"
#include "net/flow.h"

namespace scamgate::net {

class DecodeSink {
public:
    virtual ~DecodeSink() = default;
    virtual void on_transport(const TransportPayload& payload) = 0;
    // Called once per anomaly as it is counted, so the caller can log it with its packet number.
    virtual void on_anomaly(const AnomalyInfo& anomaly) { (void)anomaly; }
};

struct NetLimits {
    std::size_t max_fragment_trains = 8192;        // datagrams being reassembled at once
    std::size_t max_fragment_bytes = 32u << 20;    // bytes held across all trains
    std::size_t max_datagram_size = 65535 + 40;    // largest reassembled datagram
    Timestamp fragment_timeout = seconds(30);
    std::size_t max_tunnel_depth = 4;              // nested encapsulations followed
};

enum class NetAnomaly : std::uint8_t {
    unsupported_linktype,
    truncated_link_header,
    too_many_vlans,
    unknown_ethertype,
    truncated_ipv4_header,
    bad_ipv4_version,
    bad_ipv4_header_length,
    bad_ipv4_total_length,
    truncated_ipv6_header,
    bad_ipv6_extension_header,
    truncated_udp_header,
    bad_udp_length,
    truncated_tcp_header,
    bad_tcp_data_offset,
    fragment_overlap,
    fragment_too_large,
    fragment_table_full,
    fragment_timeout,
    bad_fragment_offset,
    truncated_tunnel_header,
    unsupported_tunnel,
    tunnel_too_deep,
    snaplen_cut,
    bad_ipv6_version,
    bad_ip_version,  // raw-IP link (or GTP-U payload) whose first nibble is neither 4 nor 6
    bad_pppoe_header,
    bad_pppoe_length,
    truncated_ppp_header,
    bad_pptp_header,
    truncated_sctp_header,
    count_
};

AnomalyInfo describe(NetAnomaly anomaly);

class PacketDecoder {
public:
    PacketDecoder(const NetLimits& limits, DecodeSink& sink);
    ~PacketDecoder();
    PacketDecoder(const PacketDecoder&) = delete;
    PacketDecoder& operator=(const PacketDecoder&) = delete;

    void decode(const capture::Packet& packet);
    // Drops fragment trains older than the timeout, counting each as fragment_timeout.
    void expire(Timestamp now);
    // packets, bytes, decode.errors, ipv4.packets, ipv6.packets, udp.datagrams, tcp.segments,
    // sctp.packets, pppoe.frames, ip.fragments, ip.reassembled, net.other, tunnel.<kind>, plus
    // every non-zero anomaly. net.other counts frames that are not IP (ARP, PPPoE discovery, PPP
    // control protocols, ...) and IP protocols not followed: not errors.
    // IP, UDP and TCP counters count headers decoded, so a tunneled packet counts its outer and
    // inner IP headers. decode.errors counts packets with at least one anomaly, except that
    // snaplen_cut alone does not make an error when the capture itself says the frame was cut
    // (caplen < wire length).
    void append_stats(StatsReport& report) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True when libpcap's link type is one the decoder understands.
bool is_supported_linktype(int linktype);

}  // namespace scamgate::net
