#include "net/rewrite.h"

#include <algorithm>

#include "capture/packet.h"

namespace scamgate::net {

namespace {

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kMaxDatagram = 65535;
constexpr int kDltEthernet = 1;
constexpr int kDltRaw = 12;
constexpr int kDltRawAlt = 14;

void store_be16(std::uint8_t* p, std::size_t value) {
    p[0] = static_cast<std::uint8_t>((value >> 8) & 0xff);
    p[1] = static_cast<std::uint8_t>(value & 0xff);
}

bool is_transport(std::uint8_t proto) {
    return proto == static_cast<std::uint8_t>(IpProto::udp) || proto == static_cast<std::uint8_t>(IpProto::tcp);
}

// Where the payload starts after the UDP/TCP header at `transport`, or nullopt when it does not fit.
std::optional<std::size_t> payload_start(ByteView ip, IpProto proto, std::size_t transport, std::size_t end) {
    if (proto == IpProto::udp) {
        if (end - transport < kUdpHeader) return std::nullopt;
        if (load_be16(ip.data() + transport + 4) != end - transport) return std::nullopt;
        return transport + kUdpHeader;
    }
    if (end - transport < kTcpMinHeader) return std::nullopt;
    const std::size_t header = static_cast<std::size_t>(ip[transport + 12] >> 4) * 4;
    if (header < kTcpMinHeader || header > end - transport) return std::nullopt;
    return transport + header;
}

std::optional<DatagramLayout> layout_v4(ByteView ip) {
    if (ip.size() < kIpv4MinHeader) return std::nullopt;
    const std::size_t header = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    const std::size_t total = load_be16(ip.data() + 2);
    if (header < kIpv4MinHeader || total < header || total > ip.size()) return std::nullopt;
    const bool fragment = (load_be16(ip.data() + 6) & 0x3fff) != 0;  // MF set or an offset
    if (fragment || !is_transport(ip[9])) return std::nullopt;
    DatagramLayout layout{true, static_cast<IpProto>(ip[9]), header, 0, total};
    auto payload = payload_start(ip, layout.proto, header, total);
    if (!payload) return std::nullopt;
    layout.payload_offset = *payload;
    return layout;
}

std::optional<DatagramLayout> layout_v6(ByteView ip) {
    if (ip.size() < kIpv6Header) return std::nullopt;
    const std::size_t total = kIpv6Header + load_be16(ip.data() + 4);
    if (total > ip.size() || !is_transport(ip[6])) return std::nullopt;
    DatagramLayout layout{false, static_cast<IpProto>(ip[6]), kIpv6Header, 0, total};
    auto payload = payload_start(ip, layout.proto, kIpv6Header, total);
    if (!payload) return std::nullopt;
    layout.payload_offset = *payload;
    return layout;
}

// The pseudo-header sum for the transport checksum of a datagram laid out as `layout`.
std::uint32_t pseudo_header_sum(ByteView ip, const DatagramLayout& layout) {
    const std::size_t length = layout.end - layout.transport_offset;
    std::uint32_t sum = 0;
    const ByteView addresses = layout.v4 ? ip.subspan(12, 8) : ip.subspan(8, 32);
    for (std::size_t i = 0; i + 1 < addresses.size(); i += 2) sum += load_be16(addresses.data() + i);
    sum += static_cast<std::uint32_t>(layout.proto);
    sum += static_cast<std::uint32_t>(length & 0xffff);
    sum += static_cast<std::uint32_t>(length >> 16);
    return sum;
}

void fix_ipv4_header_checksum(std::span<std::uint8_t> ip, std::size_t header) {
    ip[10] = 0;
    ip[11] = 0;
    store_be16(ip.data() + 10, internet_checksum(ip.first(header)));
}

void fix_transport_checksum(std::span<std::uint8_t> ip, const DatagramLayout& layout) {
    const std::size_t field = layout.transport_offset + (layout.proto == IpProto::udp ? 6 : 16);
    ip[field] = 0;
    ip[field + 1] = 0;
    const ByteView segment(ip.data() + layout.transport_offset, layout.end - layout.transport_offset);
    std::uint16_t checksum = internet_checksum(segment, pseudo_header_sum(ip, layout));
    if (layout.proto == IpProto::udp && checksum == 0) checksum = 0xffff;  // 0 means "none" in UDP
    store_be16(ip.data() + field, checksum);
}

}  // namespace

std::optional<DatagramLayout> layout_of(ByteView ip) {
    if (ip.empty()) return std::nullopt;
    switch (ip[0] >> 4) {
        case 4: return layout_v4(ip);
        case 6: return layout_v6(ip);
        default: return std::nullopt;
    }
}

std::uint16_t internet_checksum(ByteView data, std::uint32_t initial) {
    std::uint64_t sum = initial;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += load_be16(data.data() + i);
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

bool fix_checksums(std::span<std::uint8_t> ip) {
    auto layout = layout_of(ip);
    if (!layout) return false;
    if (layout->v4) fix_ipv4_header_checksum(ip, layout->transport_offset);
    fix_transport_checksum(ip, *layout);
    return true;
}

std::optional<PacketBytes> replace_udp_payload(ByteView ip, std::string_view payload) {
    auto layout = layout_of(ip);
    if (!layout || layout->proto != IpProto::udp) return std::nullopt;
    const std::size_t total = layout->payload_offset + payload.size();
    if (total > kMaxDatagram) return std::nullopt;
    PacketBytes out(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(layout->payload_offset));
    out.insert(out.end(), payload.begin(), payload.end());
    if (layout->v4) {
        store_be16(out.data() + 2, total);
    } else {
        store_be16(out.data() + 4, total - kIpv6Header);
    }
    store_be16(out.data() + layout->transport_offset + 4, total - layout->transport_offset);
    layout->end = total;
    if (layout->v4) fix_ipv4_header_checksum(out, layout->transport_offset);
    fix_transport_checksum(out, *layout);
    return out;
}

PacketBytes build_udp_datagram(const FlowTuple& tuple, std::string_view payload, std::uint8_t ttl) {
    const bool v4 = tuple.src.is_v4();
    const std::size_t header = v4 ? kIpv4MinHeader : kIpv6Header;
    const std::size_t total = std::min(header + kUdpHeader + payload.size(), kMaxDatagram);
    PacketBytes out(total, 0);
    if (v4) {
        out[0] = 0x45;
        store_be16(out.data() + 2, total);
        out[6] = 0x40;  // don't fragment
        out[8] = ttl;
        out[9] = static_cast<std::uint8_t>(IpProto::udp);
        std::copy_n(tuple.src.bytes().begin(), 4, out.begin() + 12);
        std::copy_n(tuple.dst.bytes().begin(), 4, out.begin() + 16);
    } else {
        out[0] = 0x60;
        store_be16(out.data() + 4, total - kIpv6Header);
        out[6] = static_cast<std::uint8_t>(IpProto::udp);
        out[7] = ttl;
        std::copy_n(tuple.src.bytes().begin(), 16, out.begin() + 8);
        std::copy_n(tuple.dst.bytes().begin(), 16, out.begin() + 24);
    }
    store_be16(out.data() + header, tuple.src_port);
    store_be16(out.data() + header + 2, tuple.dst_port);
    store_be16(out.data() + header + 4, total - header);
    std::copy_n(payload.begin(), total - header - kUdpHeader, out.begin() + static_cast<std::ptrdiff_t>(header + kUdpHeader));
    const DatagramLayout layout{v4, IpProto::udp, header, header + kUdpHeader, total};
    if (v4) fix_ipv4_header_checksum(out, header);
    fix_transport_checksum(out, layout);
    return out;
}

std::optional<std::size_t> ip_offset_in_frame(ByteView frame, int linktype) {
    if (linktype == capture::kLinktypeRaw || linktype == kDltRaw || linktype == kDltRawAlt) return std::size_t{0};
    if (linktype != kDltEthernet) return std::nullopt;
    std::size_t offset = 12;
    for (int tags = 0; tags <= 2; ++tags) {
        if (frame.size() < offset + 2) return std::nullopt;
        const std::uint16_t type = load_be16(frame.data() + offset);
        if (type == 0x0800 || type == 0x86dd) return offset + 2 < frame.size() ? std::optional(offset + 2) : std::nullopt;
        if (type != 0x8100 && type != 0x88a8 && type != 0x9100) return std::nullopt;
        offset += 4;  // the tag's TCI and the next EtherType
    }
    return std::nullopt;
}

PacketBytes reframe(ByteView frame, std::size_t ip_offset, ByteView ip, bool reverse, int linktype) {
    PacketBytes out(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(std::min(ip_offset, frame.size())));
    if (reverse && linktype == kDltEthernet && out.size() >= kEthernetHeader) {
        std::swap_ranges(out.begin(), out.begin() + 6, out.begin() + 6);
    }
    out.insert(out.end(), ip.begin(), ip.end());
    return out;
}

}  // namespace scamgate::net
