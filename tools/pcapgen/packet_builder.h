#pragma once
// Builds frames byte by byte for tests, fuzz seeds and the pcap generator.
//
// Layers are listed outermost first and encoded innermost first, so every "next protocol" field
// (ethertype, IP protocol, GRE protocol, ...), every length and every checksum is derived from
// what is actually inside. Each spec has optional overrides to forge malformed packets.
//
//   auto frame = PacketBuilder()
//                    .ethernet()
//                    .vlan(100)
//                    .qinq(200)
//                    .ipv4("10.0.0.1", "10.0.0.2")
//                    .udp(5060, 5060)
//                    .payload("INVITE sip:bob@example.com SIP/2.0\r\n\r\n")
//                    .build();
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ip_address.h"

namespace scamgate::pcapgen {

using Bytes = std::vector<std::uint8_t>;
using Mac = std::array<std::uint8_t, 6>;

// Parses an address literal; throws std::invalid_argument on a typo (test code, not traffic).
IpAddress ip(std::string_view text);
Bytes to_bytes(std::string_view text);

namespace linktype {
constexpr int null = 0, ethernet = 1, raw = 101, dlt_raw = 12, loop = 108, linux_sll = 113,
              ipv4 = 228, ipv6 = 229, linux_sll2 = 276;
}

struct EthernetSpec {
    Mac dst{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    Mac src{0x00, 0x66, 0x77, 0x88, 0x99, 0xaa};
    std::optional<std::uint16_t> ethertype{};  // default: from the next layer
};

struct VlanSpec {
    std::uint16_t id = 0;
    std::uint16_t tpid = 0x8100;  // 0x88a8 for 802.1ad, 0x9100 for the old QinQ
    std::uint8_t pcp = 0;
    std::optional<std::uint16_t> ethertype{};  // what follows the tag; default from the next layer
};

// Linux cooked capture v1 (16 bytes) and v2 (20 bytes).
struct SllSpec {
    std::uint16_t packet_type = 0;  // 0 = to us, 4 = outgoing
    std::uint16_t arphrd = 1;
    Mac address{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    std::optional<std::uint16_t> protocol{};
};
struct Sll2Spec {
    std::uint32_t interface_index = 1;
    std::uint16_t arphrd = 1;
    std::uint8_t packet_type = 0;
    Mac address{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    std::optional<std::uint16_t> protocol{};
};

// BSD loopback: a 4-byte address family. DLT_NULL writes it in the capturing host's byte order
// (little-endian here unless asked), DLT_LOOP always big-endian.
struct NullSpec {
    std::optional<std::uint32_t> family{};  // default: 2 for IPv4, 24 for IPv6
    bool big_endian = false;
};

struct Ipv4Spec {
    IpAddress src{};
    IpAddress dst{};
    std::uint16_t id = 1;
    std::uint8_t ttl = 64;
    std::uint8_t tos = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    std::uint16_t fragment_offset8 = 0;  // in 8-byte units, as on the wire (13 bits)
    Bytes options{};                       // padded with zeros to a multiple of 4
    std::optional<std::uint8_t> protocol{};
    std::optional<std::uint16_t> total_length{};
    std::optional<std::uint8_t> ihl{};  // header length in 32-bit words
    std::uint8_t version = 4;
};

struct Ipv6Ext {
    std::uint8_t type = 0;  // 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 dest opts, 135
    Bytes body{};             // everything after the next-header and length bytes
};
Ipv6Ext ipv6_hop_by_hop(std::size_t pad_bytes = 6);
Ipv6Ext ipv6_destination_options(std::size_t pad_bytes = 6);
Ipv6Ext ipv6_routing(std::uint8_t routing_type = 0, std::uint8_t segments_left = 0);
Ipv6Ext ipv6_fragment_header(std::uint16_t offset8, bool more, std::uint32_t id);
Ipv6Ext ipv6_authentication_header(std::uint32_t spi = 0x100, std::uint32_t seq = 1);

struct Ipv6Spec {
    IpAddress src{};
    IpAddress dst{};
    std::uint8_t hop_limit = 64;
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    std::vector<Ipv6Ext> extensions{};  // in wire order
    std::optional<std::uint8_t> next_header{};  // of the last header in the chain
    std::optional<std::uint16_t> payload_length{};
};

struct UdpSpec {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    bool checksum = true;
    std::optional<std::uint16_t> length{};
};

struct TcpSpec {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0x18;  // PSH|ACK
    std::uint16_t window = 65535;
    Bytes options{};  // padded with NOPs to a multiple of 4
    std::optional<std::uint8_t> data_offset{};  // in 32-bit words
};

struct GreSpec {
    std::optional<std::uint32_t> key{};
    std::optional<std::uint32_t> sequence{};
    bool checksum = false;
    std::optional<std::uint16_t> protocol{};  // default: 0x0800/0x86DD/0x6558 from the next layer
};

// GRE plus the ERSPAN header of the given type; the next layer is the mirrored Ethernet frame.
// Type I: GRE 0x88BE, no sequence, no ERSPAN header. Type II: GRE 0x88BE with sequence, 8-byte
// header. Type III: GRE 0x22EB with sequence, 12-byte header, 8-byte platform subheader if asked.
struct ErspanSpec {
    int type = 2;
    std::uint16_t session_id = 0;  // 10 bits
    std::uint16_t vlan = 0;        // 12 bits
    std::uint32_t gre_sequence = 1;
    std::uint32_t index = 0;       // type II
    std::uint32_t timestamp = 0;   // type III
    bool platform_subheader = false;
};

struct GtpuExt {
    std::uint8_t type = 0x85;  // PDU session container
    Bytes content{};             // padded so the whole extension is a multiple of 4 bytes
};

struct GtpuSpec {
    std::uint32_t teid = 0;
    std::uint8_t message_type = 255;  // G-PDU
    std::optional<std::uint16_t> sequence{};
    std::optional<std::uint8_t> n_pdu{};
    std::vector<GtpuExt> extensions{};
};

struct PayloadSpec {
    Bytes bytes{};
};

// PPPoE session stage (RFC 2516, ethertype 0x8864) with the PPP protocol field: 0x0021 before
// IPv4, 0x0057 before IPv6 (compressed to one byte with compress_protocol).
struct PppoeSpec {
    std::uint16_t session_id = 1;
    std::uint8_t ver_type = 0x11;
    std::uint8_t code = 0;
    bool compress_protocol = false;
    std::optional<std::uint16_t> ppp_protocol{};
    std::optional<std::uint16_t> length{};  // PPPoE length field (default: PPP frame length)
};

// Enhanced GRE version 1 (PPTP, RFC 2637): key = payload length + call id, sequence number when
// the packet carries data, optional acknowledgment number, then PPP (address/control 0xFF 0x03
// unless compressed, protocol in 2 bytes or 1 with compress_protocol).
struct PptpSpec {
    std::uint16_t call_id = 0;
    std::optional<std::uint32_t> sequence = 1;
    std::optional<std::uint32_t> ack{};
    bool address_control = true;
    bool compress_protocol = false;
    std::optional<std::uint16_t> ppp_protocol{};
    std::optional<std::uint16_t> payload_length{};
};

// One SCTP chunk: type, flags, the value after the 4-byte chunk header; padded to 4 bytes.
struct SctpChunk {
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    Bytes value{};
    std::optional<std::uint16_t> length{};  // chunk length field (default: 4 + value size)
    bool pad = true;
};

namespace sctp_flags {
constexpr std::uint8_t end = 0x01, begin = 0x02, unordered = 0x04, whole = 0x03;
}

SctpChunk sctp_data(std::uint32_t tsn, std::uint16_t stream, std::uint16_t ssn, std::string_view data,
                    std::uint8_t flags = sctp_flags::whole, std::uint32_t ppid = 0);
// I-DATA (RFC 8260): message id and, with B, the PPID; otherwise the fragment sequence number.
SctpChunk sctp_idata(std::uint32_t tsn, std::uint16_t stream, std::uint32_t mid, std::uint32_t ppid_or_fsn,
                     std::string_view data, std::uint8_t flags = sctp_flags::whole);
SctpChunk sctp_sack(std::uint32_t cumulative_tsn, std::uint32_t window = 65536);
SctpChunk sctp_init(std::uint8_t type, std::uint32_t initiate_tag, std::uint32_t initial_tsn);  // 1 INIT, 2 INIT ACK
SctpChunk sctp_control(std::uint8_t type, std::uint8_t flags = 0, Bytes value = {});

// An SCTP packet: the common header and its chunks (a PayloadSpec after it is appended as raw
// bytes after the chunks). The CRC32c is computed unless `checksum` is given.
struct SctpSpec {
    std::uint16_t src_port = 5060;
    std::uint16_t dst_port = 5060;
    std::uint32_t verification_tag = 0;
    std::vector<SctpChunk> chunks{};
    std::optional<std::uint32_t> checksum{};  // as stored little-endian (RFC 9260 Appendix B)
};

// CRC-32C computed bit by bit (independent of the decoder's table-driven one).
std::uint32_t crc32c_bitwise(ByteView data);

using LayerSpec = std::variant<EthernetSpec, VlanSpec, SllSpec, Sll2Spec, NullSpec, Ipv4Spec,
                               Ipv6Spec, UdpSpec, TcpSpec, GreSpec, ErspanSpec, GtpuSpec,
                               PayloadSpec, PppoeSpec, PptpSpec, SctpSpec>;

class PacketBuilder {
public:
    PacketBuilder& ethernet(EthernetSpec spec = {});
    PacketBuilder& vlan(std::uint16_t id, std::uint16_t tpid = 0x8100);
    PacketBuilder& qinq(std::uint16_t id) { return vlan(id, 0x88a8); }
    PacketBuilder& vlan(VlanSpec spec);
    PacketBuilder& sll(SllSpec spec = {});
    PacketBuilder& sll2(Sll2Spec spec = {});
    PacketBuilder& null_link(NullSpec spec = {});
    PacketBuilder& loop_link() { return null_link({.family = std::nullopt, .big_endian = true}); }
    PacketBuilder& ipv4(std::string_view src, std::string_view dst, Ipv4Spec spec = {});
    PacketBuilder& ipv4(Ipv4Spec spec);
    PacketBuilder& ipv6(std::string_view src, std::string_view dst, Ipv6Spec spec = {});
    PacketBuilder& ipv6(Ipv6Spec spec);
    PacketBuilder& udp(std::uint16_t src_port, std::uint16_t dst_port);
    PacketBuilder& udp(UdpSpec spec);
    PacketBuilder& tcp(TcpSpec spec);
    PacketBuilder& gre(GreSpec spec = {});
    PacketBuilder& erspan(ErspanSpec spec);
    PacketBuilder& gtpu(GtpuSpec spec);
    PacketBuilder& pppoe(PppoeSpec spec = {});
    PacketBuilder& pptp(PptpSpec spec);
    PacketBuilder& sctp(SctpSpec spec);
    PacketBuilder& payload(std::string_view text);
    PacketBuilder& payload(Bytes bytes);

    Bytes build() const;

    // Splits the IPv4 (or IPv6) layer number `ip_layer` (0 = outermost IP layer) into fragments
    // carrying `payload_per_fragment` bytes each (rounded down to a multiple of 8, except the
    // last), each wrapped in the layers outside it. IPv6 puts the fragment header after the
    // spec's own extension headers.
    std::vector<Bytes> fragments(std::size_t payload_per_fragment, std::size_t ip_layer = 0,
                                 std::uint32_t ipv6_id = 0x12345678) const;

    const std::vector<LayerSpec>& layers() const { return layers_; }

private:
    Bytes build_from(std::size_t index) const;
    Bytes wrap_outside(std::size_t index, Bytes inner) const;
    Bytes encode_range(std::size_t first, std::size_t end, Bytes inner) const;
    std::size_t ip_layer_index(std::size_t nth) const;

    std::vector<LayerSpec> layers_;
};

// RFC 1071 one's-complement checksum over `data`, starting from a partial `sum`.
std::uint16_t internet_checksum(ByteView data, std::uint32_t sum = 0);

}  // namespace scamgate::pcapgen
