#include "pcapgen/packet_builder.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace scamgate::pcapgen {
namespace {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86DD;
constexpr std::uint16_t kEthertypeTransparentEthernet = 0x6558;
constexpr std::uint16_t kGreErspan12 = 0x88BE;
constexpr std::uint16_t kGreErspan3 = 0x22EB;
constexpr std::uint8_t kProtoNoNext = 59;
constexpr std::uint16_t kEthertypePppoeSession = 0x8864;
constexpr std::uint16_t kGrePpp = 0x880B;

void put8(Bytes& out, std::uint8_t v) { out.push_back(v); }
void put16(Bytes& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v >> 16));
    put16(out, static_cast<std::uint16_t>(v));
}
void put_le32(Bytes& out, std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void append(Bytes& out, ByteView more) { out.insert(out.end(), more.begin(), more.end()); }
void append_address(Bytes& out, const IpAddress& a) {
    out.insert(out.end(), a.bytes().begin(), a.bytes().begin() + static_cast<long>(a.size()));
}
void store16(Bytes& out, std::size_t at, std::uint16_t v) {
    out[at] = static_cast<std::uint8_t>(v >> 8);
    out[at + 1] = static_cast<std::uint8_t>(v);
}
std::uint16_t clamp16(std::size_t n) { return static_cast<std::uint16_t>(std::min<std::size_t>(n, 0xFFFF)); }

std::uint32_t sum_words(ByteView data, std::uint32_t sum) {
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += load_be16(data.data() + i);
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8;
    return sum;
}

std::uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, std::uint8_t proto,
                                std::size_t length) {
    Bytes pseudo;
    append_address(pseudo, src);
    append_address(pseudo, dst);
    if (src.is_v4()) {
        put8(pseudo, 0);
        put8(pseudo, proto);
        put16(pseudo, clamp16(length));
    } else {
        put32(pseudo, static_cast<std::uint32_t>(length));
        put32(pseudo, proto);
    }
    return sum_words(pseudo, 0);
}

// What the next layer is called by the layer that carries it.
std::uint16_t ethertype_of(const LayerSpec* next) {
    if (next == nullptr) return 0;
    if (const auto* v = std::get_if<VlanSpec>(next)) return v->tpid;
    if (std::holds_alternative<Ipv4Spec>(*next)) return kEthertypeIpv4;
    if (std::holds_alternative<Ipv6Spec>(*next)) return kEthertypeIpv6;
    if (std::holds_alternative<EthernetSpec>(*next)) return kEthertypeTransparentEthernet;
    if (std::holds_alternative<PppoeSpec>(*next)) return kEthertypePppoeSession;
    return 0;
}

std::uint16_t ppp_protocol_of(const LayerSpec* next) {
    if (next != nullptr && std::holds_alternative<Ipv6Spec>(*next)) return 0x0057;
    return 0x0021;
}

void put_ppp_protocol(Bytes& out, std::uint16_t protocol, bool compress) {
    if (compress && protocol < 0x100) put8(out, static_cast<std::uint8_t>(protocol));
    else put16(out, protocol);
}

std::uint8_t ip_protocol_of(const LayerSpec* next) {
    if (next == nullptr) return kProtoNoNext;
    if (std::holds_alternative<UdpSpec>(*next)) return 17;
    if (std::holds_alternative<TcpSpec>(*next)) return 6;
    if (std::holds_alternative<GreSpec>(*next) || std::holds_alternative<ErspanSpec>(*next) ||
        std::holds_alternative<PptpSpec>(*next)) {
        return 47;
    }
    if (std::holds_alternative<SctpSpec>(*next)) return 132;
    if (std::holds_alternative<Ipv4Spec>(*next)) return 4;
    if (std::holds_alternative<Ipv6Spec>(*next)) return 41;
    return kProtoNoNext;
}

Bytes encode_ethernet(const EthernetSpec& s, const Bytes& inner, const LayerSpec* next) {
    Bytes out;
    append(out, s.dst);
    append(out, s.src);
    put16(out, s.ethertype.value_or(ethertype_of(next)));
    append(out, inner);
    return out;
}

Bytes encode_vlan(const VlanSpec& s, const Bytes& inner, const LayerSpec* next) {
    Bytes out;
    put16(out, static_cast<std::uint16_t>((s.pcp & 0x7) << 13 | (s.id & 0x0FFF)));
    put16(out, s.ethertype.value_or(ethertype_of(next)));
    append(out, inner);
    return out;
}

Bytes encode_sll(const SllSpec& s, const Bytes& inner, const LayerSpec* next) {
    Bytes out;
    put16(out, s.packet_type);
    put16(out, s.arphrd);
    put16(out, 6);
    append(out, s.address);
    put16(out, 0);  // address field is 8 bytes
    put16(out, s.protocol.value_or(ethertype_of(next)));
    append(out, inner);
    return out;
}

Bytes encode_sll2(const Sll2Spec& s, const Bytes& inner, const LayerSpec* next) {
    Bytes out;
    put16(out, s.protocol.value_or(ethertype_of(next)));
    put16(out, 0);
    put32(out, s.interface_index);
    put16(out, s.arphrd);
    put8(out, s.packet_type);
    put8(out, 6);
    append(out, s.address);
    put16(out, 0);
    append(out, inner);
    return out;
}

Bytes encode_null(const NullSpec& s, const Bytes& inner, const LayerSpec* next) {
    const bool v6 = next != nullptr && std::holds_alternative<Ipv6Spec>(*next);
    const std::uint32_t family = s.family.value_or(v6 ? 24u : 2u);
    Bytes out;
    if (s.big_endian) put32(out, family); else put_le32(out, family);
    append(out, inner);
    return out;
}

Bytes encode_ipv4(const Ipv4Spec& s, const Bytes& inner, std::uint8_t protocol) {
    Bytes options = s.options;
    while (options.size() % 4 != 0) options.push_back(0);
    const std::size_t header_len = 20 + options.size();
    Bytes out;
    put8(out, static_cast<std::uint8_t>((s.version & 0xF) << 4 | (s.ihl.value_or(header_len / 4) & 0xF)));
    put8(out, s.tos);
    put16(out, s.total_length.value_or(clamp16(header_len + inner.size())));
    put16(out, s.id);
    std::uint16_t flags_offset = s.fragment_offset8 & 0x1FFF;
    if (s.dont_fragment) flags_offset |= 0x4000;
    if (s.more_fragments) flags_offset |= 0x2000;
    put16(out, flags_offset);
    put8(out, s.ttl);
    put8(out, s.protocol.value_or(protocol));
    put16(out, 0);
    append_address(out, s.src);
    append_address(out, s.dst);
    append(out, options);
    store16(out, 10, internet_checksum(out));
    append(out, inner);
    return out;
}

std::size_t ext_total_length(const Ipv6Ext& e) {
    std::size_t total = 2 + e.body.size();
    const std::size_t unit = e.type == 51 ? 4 : 8;
    return (total + unit - 1) / unit * unit;
}

void append_ipv6_ext(Bytes& out, const Ipv6Ext& e, std::uint8_t next_header) {
    const std::size_t total = ext_total_length(e);
    std::uint8_t length_field = 0;
    if (e.type == 51) length_field = static_cast<std::uint8_t>(total / 4 - 2);
    else if (e.type != 44) length_field = static_cast<std::uint8_t>(total / 8 - 1);
    put8(out, next_header);
    put8(out, length_field);
    append(out, e.body);
    out.resize(out.size() + (total - 2 - e.body.size()), 0);
}

Bytes encode_ipv6(const Ipv6Spec& s, const Bytes& inner, std::uint8_t protocol) {
    const std::uint8_t upper = s.next_header.value_or(protocol);
    Bytes chain;
    for (std::size_t i = 0; i < s.extensions.size(); ++i) {
        const bool last = i + 1 == s.extensions.size();
        append_ipv6_ext(chain, s.extensions[i], last ? upper : s.extensions[i + 1].type);
    }
    Bytes out;
    put32(out, (6u << 28) | (std::uint32_t{s.traffic_class} << 20) | (s.flow_label & 0xFFFFF));
    put16(out, s.payload_length.value_or(clamp16(chain.size() + inner.size())));
    put8(out, s.extensions.empty() ? upper : s.extensions.front().type);
    put8(out, s.hop_limit);
    append_address(out, s.src);
    append_address(out, s.dst);
    append(out, chain);
    append(out, inner);
    return out;
}

struct Addresses {
    IpAddress src;
    IpAddress dst;
};

Bytes encode_udp(const UdpSpec& s, const Bytes& inner, const std::optional<Addresses>& ip) {
    Bytes out;
    const std::size_t length = 8 + inner.size();
    put16(out, s.src_port);
    put16(out, s.dst_port);
    put16(out, s.length.value_or(clamp16(length)));
    put16(out, 0);
    append(out, inner);
    if (s.checksum && ip) {
        std::uint16_t sum = internet_checksum(out, pseudo_header_sum(ip->src, ip->dst, 17, length));
        store16(out, 6, sum == 0 ? 0xFFFF : sum);
    }
    return out;
}

Bytes encode_tcp(const TcpSpec& s, const Bytes& inner, const std::optional<Addresses>& ip) {
    Bytes options = s.options;
    while (options.size() % 4 != 0) options.push_back(1);  // NOP
    const std::size_t header_len = 20 + options.size();
    Bytes out;
    put16(out, s.src_port);
    put16(out, s.dst_port);
    put32(out, s.seq);
    put32(out, s.ack);
    put8(out, static_cast<std::uint8_t>((s.data_offset.value_or(header_len / 4) & 0xF) << 4));
    put8(out, s.flags);
    put16(out, s.window);
    put16(out, 0);
    put16(out, 0);  // urgent pointer
    append(out, options);
    append(out, inner);
    if (ip) store16(out, 16, internet_checksum(out, pseudo_header_sum(ip->src, ip->dst, 6, out.size())));
    return out;
}

std::uint16_t gre_protocol_of(const LayerSpec* next) {
    if (next == nullptr) return 0;
    if (std::holds_alternative<EthernetSpec>(*next)) return kEthertypeTransparentEthernet;
    if (std::holds_alternative<Ipv4Spec>(*next)) return kEthertypeIpv4;
    if (std::holds_alternative<Ipv6Spec>(*next)) return kEthertypeIpv6;
    return 0;
}

Bytes encode_gre(const GreSpec& s, const Bytes& inner, const LayerSpec* next) {
    std::uint16_t flags = 0;
    if (s.checksum) flags |= 0x8000;
    if (s.key) flags |= 0x2000;
    if (s.sequence) flags |= 0x1000;
    Bytes out;
    put16(out, flags);
    put16(out, s.protocol.value_or(gre_protocol_of(next)));
    if (s.checksum) put32(out, 0);
    if (s.key) put32(out, *s.key);
    if (s.sequence) put32(out, *s.sequence);
    append(out, inner);
    if (s.checksum) store16(out, 4, internet_checksum(out));
    return out;
}

Bytes encode_erspan(const ErspanSpec& s, const Bytes& inner) {
    Bytes out;
    const std::uint32_t session = s.session_id & 0x3FF;
    const std::uint32_t vlan = s.vlan & 0xFFF;
    if (s.type == 1) {
        put16(out, 0);
        put16(out, kGreErspan12);
    } else if (s.type == 2) {
        put16(out, 0x1000);
        put16(out, kGreErspan12);
        put32(out, s.gre_sequence);
        put32(out, (1u << 28) | (vlan << 16) | session);
        put32(out, s.index & 0xFFFFF);
    } else {
        put16(out, 0x1000);
        put16(out, kGreErspan3);
        put32(out, s.gre_sequence);
        put32(out, (2u << 28) | (vlan << 16) | session);
        put32(out, s.timestamp);
        put32(out, s.platform_subheader ? 1u : 0u);  // O bit is the last bit
        if (s.platform_subheader) {
            put32(out, 0x08000000);  // platform id 1
            put32(out, 0);
        }
    }
    append(out, inner);
    return out;
}

Bytes encode_gtpu(const GtpuSpec& s, const Bytes& inner) {
    const bool has_ext = !s.extensions.empty();
    const bool has_optional = has_ext || s.sequence || s.n_pdu;
    std::uint8_t flags = 0x30;
    if (has_ext) flags |= 0x04;
    if (s.sequence) flags |= 0x02;
    if (s.n_pdu) flags |= 0x01;
    Bytes body;
    if (has_optional) {
        put16(body, s.sequence.value_or(0));
        put8(body, s.n_pdu.value_or(0));
        put8(body, has_ext ? s.extensions.front().type : 0);
    }
    for (std::size_t i = 0; i < s.extensions.size(); ++i) {
        Bytes content = s.extensions[i].content;
        while ((content.size() + 2) % 4 != 0) content.push_back(0);
        put8(body, static_cast<std::uint8_t>((content.size() + 2) / 4));
        append(body, content);
        put8(body, i + 1 < s.extensions.size() ? s.extensions[i + 1].type : 0);
    }
    append(body, inner);
    Bytes out;
    put8(out, flags);
    put8(out, s.message_type);
    put16(out, clamp16(body.size()));
    put32(out, s.teid);
    append(out, body);
    return out;
}

Bytes encode_pppoe(const PppoeSpec& s, const Bytes& inner, const LayerSpec* next) {
    Bytes ppp;
    put_ppp_protocol(ppp, s.ppp_protocol.value_or(ppp_protocol_of(next)), s.compress_protocol);
    append(ppp, inner);
    Bytes out;
    put8(out, s.ver_type);
    put8(out, s.code);
    put16(out, s.session_id);
    put16(out, s.length.value_or(clamp16(ppp.size())));
    append(out, ppp);
    return out;
}

Bytes encode_pptp(const PptpSpec& s, const Bytes& inner, const LayerSpec* next) {
    Bytes ppp;
    if (s.address_control) {
        put8(ppp, 0xFF);
        put8(ppp, 0x03);
    }
    put_ppp_protocol(ppp, s.ppp_protocol.value_or(ppp_protocol_of(next)), s.compress_protocol);
    append(ppp, inner);
    if (!s.sequence) ppp.clear();  // an acknowledgment-only packet carries no PPP frame
    std::uint16_t flags = 0x2000 | 0x0001;  // K, version 1
    if (s.sequence) flags |= 0x1000;
    if (s.ack) flags |= 0x0080;
    Bytes out;
    put16(out, flags);
    put16(out, kGrePpp);
    put16(out, s.payload_length.value_or(clamp16(ppp.size())));
    put16(out, s.call_id);
    if (s.sequence) put32(out, *s.sequence);
    if (s.ack) put32(out, *s.ack);
    append(out, ppp);
    return out;
}

Bytes encode_sctp(const SctpSpec& s, const Bytes& inner) {
    Bytes out;
    put16(out, s.src_port);
    put16(out, s.dst_port);
    put32(out, s.verification_tag);
    put32(out, 0);
    for (const SctpChunk& c : s.chunks) {
        put8(out, c.type);
        put8(out, c.flags);
        put16(out, c.length.value_or(clamp16(4 + c.value.size())));
        append(out, c.value);
        if (c.pad) while (out.size() % 4 != 0) out.push_back(0);
    }
    append(out, inner);
    const std::uint32_t crc = s.checksum.value_or(crc32c_bitwise(out));
    for (std::size_t i = 0; i < 4; ++i) out[8 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    return out;
}

Bytes pad_option(std::size_t pad_bytes) {
    Bytes body;
    if (pad_bytes == 1) body.push_back(0);  // Pad1
    if (pad_bytes >= 2) {
        put8(body, 1);  // PadN
        put8(body, static_cast<std::uint8_t>(pad_bytes - 2));
        body.resize(pad_bytes, 0);
    }
    return body;
}

}  // namespace

IpAddress ip(std::string_view text) {
    auto parsed = IpAddress::parse(text);
    if (!parsed) throw std::invalid_argument("not an IP address: " + std::string(text));
    return *parsed;
}

Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::uint32_t crc32c_bitwise(ByteView data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::uint8_t byte : data) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

SctpChunk sctp_data(std::uint32_t tsn, std::uint16_t stream, std::uint16_t ssn, std::string_view data,
                    std::uint8_t flags, std::uint32_t ppid) {
    Bytes value;
    put32(value, tsn);
    put16(value, stream);
    put16(value, ssn);
    put32(value, ppid);
    append(value, to_bytes(data));
    return SctpChunk{.type = 0, .flags = flags, .value = std::move(value)};
}

SctpChunk sctp_idata(std::uint32_t tsn, std::uint16_t stream, std::uint32_t mid, std::uint32_t ppid_or_fsn,
                     std::string_view data, std::uint8_t flags) {
    Bytes value;
    put32(value, tsn);
    put16(value, stream);
    put16(value, 0);
    put32(value, mid);
    put32(value, ppid_or_fsn);
    append(value, to_bytes(data));
    return SctpChunk{.type = 64, .flags = flags, .value = std::move(value)};
}

SctpChunk sctp_sack(std::uint32_t cumulative_tsn, std::uint32_t window) {
    Bytes value;
    put32(value, cumulative_tsn);
    put32(value, window);
    put16(value, 0);  // gap ack blocks
    put16(value, 0);  // duplicate TSNs
    return SctpChunk{.type = 3, .flags = 0, .value = std::move(value)};
}

SctpChunk sctp_init(std::uint8_t type, std::uint32_t initiate_tag, std::uint32_t initial_tsn) {
    Bytes value;
    put32(value, initiate_tag);
    put32(value, 106496);  // a_rwnd
    put16(value, 10);      // outbound streams
    put16(value, 10);      // inbound streams
    put32(value, initial_tsn);
    if (type == 2) {       // INIT ACK: a state cookie parameter
        put16(value, 7);
        put16(value, 12);
        put32(value, 0x5ca1ab1e);
        put32(value, initiate_tag);
    }
    return SctpChunk{.type = type, .flags = 0, .value = std::move(value)};
}

SctpChunk sctp_control(std::uint8_t type, std::uint8_t flags, Bytes value) {
    return SctpChunk{.type = type, .flags = flags, .value = std::move(value)};
}

std::uint16_t internet_checksum(ByteView data, std::uint32_t sum) {
    std::uint64_t total = sum_words(data, 0) + std::uint64_t{sum};
    while (total >> 16) total = (total & 0xFFFF) + (total >> 16);
    return static_cast<std::uint16_t>(~total & 0xFFFF);
}

Ipv6Ext ipv6_hop_by_hop(std::size_t pad_bytes) { return {0, pad_option(pad_bytes)}; }
Ipv6Ext ipv6_destination_options(std::size_t pad_bytes) { return {60, pad_option(pad_bytes)}; }

Ipv6Ext ipv6_routing(std::uint8_t routing_type, std::uint8_t segments_left) {
    return {43, Bytes{routing_type, segments_left, 0, 0, 0, 0}};
}

Ipv6Ext ipv6_fragment_header(std::uint16_t offset8, bool more, std::uint32_t id) {
    Bytes body;
    put16(body, static_cast<std::uint16_t>((offset8 & 0x1FFF) << 3 | (more ? 1 : 0)));
    put32(body, id);
    return {44, body};
}

Ipv6Ext ipv6_authentication_header(std::uint32_t spi, std::uint32_t seq) {
    Bytes body{0, 0};
    put32(body, spi);
    put32(body, seq);
    body.resize(body.size() + 12, 0xAB);  // ICV
    return {51, body};
}

PacketBuilder& PacketBuilder::ethernet(EthernetSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::vlan(std::uint16_t id, std::uint16_t tpid) {
    return vlan(VlanSpec{.id = id, .tpid = tpid});
}
PacketBuilder& PacketBuilder::vlan(VlanSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::sll(SllSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::sll2(Sll2Spec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::null_link(NullSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::ipv4(std::string_view src, std::string_view dst, Ipv4Spec spec) {
    spec.src = ip(src);
    spec.dst = ip(dst);
    return ipv4(std::move(spec));
}
PacketBuilder& PacketBuilder::ipv4(Ipv4Spec spec) { layers_.emplace_back(std::move(spec)); return *this; }
PacketBuilder& PacketBuilder::ipv6(std::string_view src, std::string_view dst, Ipv6Spec spec) {
    spec.src = ip(src);
    spec.dst = ip(dst);
    return ipv6(std::move(spec));
}
PacketBuilder& PacketBuilder::ipv6(Ipv6Spec spec) { layers_.emplace_back(std::move(spec)); return *this; }
PacketBuilder& PacketBuilder::udp(std::uint16_t src_port, std::uint16_t dst_port) {
    return udp(UdpSpec{.src_port = src_port, .dst_port = dst_port});
}
PacketBuilder& PacketBuilder::udp(UdpSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::tcp(TcpSpec spec) { layers_.emplace_back(std::move(spec)); return *this; }
PacketBuilder& PacketBuilder::gre(GreSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::erspan(ErspanSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::gtpu(GtpuSpec spec) { layers_.emplace_back(std::move(spec)); return *this; }
PacketBuilder& PacketBuilder::pppoe(PppoeSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::pptp(PptpSpec spec) { layers_.emplace_back(spec); return *this; }
PacketBuilder& PacketBuilder::sctp(SctpSpec spec) { layers_.emplace_back(std::move(spec)); return *this; }
PacketBuilder& PacketBuilder::payload(std::string_view text) { return payload(to_bytes(text)); }
PacketBuilder& PacketBuilder::payload(Bytes bytes) {
    layers_.emplace_back(PayloadSpec{std::move(bytes)});
    return *this;
}

Bytes PacketBuilder::build() const { return build_from(0); }

Bytes PacketBuilder::wrap_outside(std::size_t index, Bytes inner) const {
    return encode_range(0, index, std::move(inner));
}

// Encodes layers [first, end) around `inner`, innermost first. A transport layer's checksum uses
// the nearest IPv4/IPv6 layer before it.
Bytes PacketBuilder::encode_range(std::size_t first, std::size_t end, Bytes inner) const {
    for (std::size_t i = end; i-- > first;) {
        const LayerSpec* next = i + 1 < layers_.size() ? &layers_[i + 1] : nullptr;
        std::optional<Addresses> ip_context;
        for (std::size_t j = i; j-- > 0;) {
            if (const auto* v4 = std::get_if<Ipv4Spec>(&layers_[j])) { ip_context = Addresses{v4->src, v4->dst}; break; }
            if (const auto* v6 = std::get_if<Ipv6Spec>(&layers_[j])) { ip_context = Addresses{v6->src, v6->dst}; break; }
        }
        inner = std::visit(
            [&](const auto& spec) -> Bytes {
                using T = std::decay_t<decltype(spec)>;
                if constexpr (std::is_same_v<T, EthernetSpec>) return encode_ethernet(spec, inner, next);
                else if constexpr (std::is_same_v<T, VlanSpec>) return encode_vlan(spec, inner, next);
                else if constexpr (std::is_same_v<T, SllSpec>) return encode_sll(spec, inner, next);
                else if constexpr (std::is_same_v<T, Sll2Spec>) return encode_sll2(spec, inner, next);
                else if constexpr (std::is_same_v<T, NullSpec>) return encode_null(spec, inner, next);
                else if constexpr (std::is_same_v<T, Ipv4Spec>) return encode_ipv4(spec, inner, ip_protocol_of(next));
                else if constexpr (std::is_same_v<T, Ipv6Spec>) return encode_ipv6(spec, inner, ip_protocol_of(next));
                else if constexpr (std::is_same_v<T, UdpSpec>) return encode_udp(spec, inner, ip_context);
                else if constexpr (std::is_same_v<T, TcpSpec>) return encode_tcp(spec, inner, ip_context);
                else if constexpr (std::is_same_v<T, GreSpec>) return encode_gre(spec, inner, next);
                else if constexpr (std::is_same_v<T, ErspanSpec>) return encode_erspan(spec, inner);
                else if constexpr (std::is_same_v<T, GtpuSpec>) return encode_gtpu(spec, inner);
                else if constexpr (std::is_same_v<T, PppoeSpec>) return encode_pppoe(spec, inner, next);
                else if constexpr (std::is_same_v<T, PptpSpec>) return encode_pptp(spec, inner, next);
                else if constexpr (std::is_same_v<T, SctpSpec>) return encode_sctp(spec, inner);
                else {
                    Bytes out = spec.bytes;
                    append(out, inner);
                    return out;
                }
            },
            layers_[i]);
    }
    return inner;
}

Bytes PacketBuilder::build_from(std::size_t index) const {
    return encode_range(index, layers_.size(), {});
}

std::size_t PacketBuilder::ip_layer_index(std::size_t nth) const {
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        if (std::holds_alternative<Ipv4Spec>(layers_[i]) || std::holds_alternative<Ipv6Spec>(layers_[i])) {
            if (nth == 0) return i;
            --nth;
        }
    }
    throw std::invalid_argument("PacketBuilder::fragments: no such IP layer");
}

std::vector<Bytes> PacketBuilder::fragments(std::size_t payload_per_fragment, std::size_t ip_layer,
                                            std::uint32_t ipv6_id) const {
    const std::size_t at = ip_layer_index(ip_layer);
    const Bytes ip_payload = build_from(at + 1);
    const LayerSpec* next = at + 1 < layers_.size() ? &layers_[at + 1] : nullptr;
    const std::size_t step = std::max<std::size_t>(8, payload_per_fragment / 8 * 8);
    std::vector<Bytes> out;
    for (std::size_t offset = 0; offset < ip_payload.size() || offset == 0; offset += step) {
        const std::size_t n = std::min(step, ip_payload.size() - offset);
        const Bytes chunk(ip_payload.begin() + static_cast<long>(offset),
                          ip_payload.begin() + static_cast<long>(offset + n));
        const bool more = offset + n < ip_payload.size();
        const auto offset8 = static_cast<std::uint16_t>(offset / 8);
        Bytes packet;
        if (const auto* v4 = std::get_if<Ipv4Spec>(&layers_[at])) {
            Ipv4Spec spec = *v4;
            spec.more_fragments = more;
            spec.fragment_offset8 = offset8;
            packet = encode_ipv4(spec, chunk, v4->protocol.value_or(ip_protocol_of(next)));
        } else {
            Ipv6Spec spec = std::get<Ipv6Spec>(layers_[at]);
            const std::uint8_t upper = spec.next_header.value_or(ip_protocol_of(next));
            spec.extensions.push_back(ipv6_fragment_header(offset8, more, ipv6_id));
            spec.next_header = upper;
            packet = encode_ipv6(spec, chunk, upper);
        }
        out.push_back(wrap_outside(at, std::move(packet)));
        if (ip_payload.empty()) break;
    }
    return out;
}

}  // namespace scamgate::pcapgen
