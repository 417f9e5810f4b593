#include "net/shard.h"

#include "common/ip_address.h"
#include "net/flow.h"
#include "net/wire.h"

namespace scamgate::net {
namespace {

using namespace wire;

// The outermost IP header's address pair.
struct IpPair {
    IpAddress src;
    IpAddress dst;
};

// The bytes after the link layer when they are IPv4 or IPv6 (VLAN tags and PPPoE sessions
// followed as the decoder follows them); nullopt for anything else.
std::optional<ByteView> after_ethertype(std::uint16_t type, ByteView data) {
    while (is_vlan_tpid(type)) {
        if (data.size() < 4) return std::nullopt;
        type = load_be16(data.data() + 2);
        data = data.subspan(4);
    }
    if (type == ethertype::ipv4 || type == ethertype::ipv6) return data;
    if (type != ethertype::pppoe_session || data.size() < kPppoeHeader + 1) return std::nullopt;
    data = data.subspan(kPppoeHeader);  // PPP without address/control on PPPoE (RFC 2516)
    std::uint16_t protocol = data[0];
    if ((data[0] & 0x01) != 0) {
        data = data.subspan(1);  // compressed one-byte protocol (RFC 1661 PFC)
    } else {
        if (data.size() < 2) return std::nullopt;
        protocol = load_be16(data.data());
        data = data.subspan(2);
    }
    if (protocol == ppp_protocol::ipv4 || protocol == ppp_protocol::ipv6) return data;
    return std::nullopt;
}

std::optional<ByteView> ip_layer(int linktype, ByteView frame) {
    switch (linktype) {
        case dlt::en10mb:
            if (frame.size() < kEthernetHeader) return std::nullopt;
            return after_ethertype(load_be16(frame.data() + 12), frame.subspan(kEthernetHeader));
        case dlt::linux_sll:
            if (frame.size() < kSllHeader) return std::nullopt;
            return after_ethertype(load_be16(frame.data() + 14), frame.subspan(kSllHeader));
        case dlt::linux_sll2:
            if (frame.size() < kSll2Header) return std::nullopt;
            return after_ethertype(load_be16(frame.data()), frame.subspan(kSll2Header));
        case dlt::raw: case dlt::raw_openbsd: case dlt::linktype_raw: case dlt::ipv4: case dlt::ipv6:
            return frame;
        case dlt::null: case dlt::loop:
            // The address family (either byte order for DLT_NULL) is not needed: the IP version
            // nibble says it, and a frame of another family is not IP there either.
            if (frame.size() < 4) return std::nullopt;
            return frame.subspan(4);
        default:
            return std::nullopt;
    }
}

std::optional<IpPair> read_outer_ip(ByteView data) {
    if (data.empty()) return std::nullopt;
    switch (data[0] >> 4) {
        case 4:
            if (data.size() < kIpv4MinHeader) return std::nullopt;
            return IpPair{IpAddress::v4(data.data() + 12), IpAddress::v4(data.data() + 16)};
        case 6:
            if (data.size() < kIpv6Header) return std::nullopt;
            return IpPair{IpAddress::v6(data.data() + 8), IpAddress::v6(data.data() + 24)};
        default:
            return std::nullopt;
    }
}

// splitmix64's finaliser: the flow hashes are combined with shifts and adds, so their low bits
// alone would spread flows over a few workers unevenly.
std::uint64_t spread(std::uint64_t key) {
    key = (key ^ (key >> 30)) * 0xBF58476D1CE4E5B9ULL;
    key = (key ^ (key >> 27)) * 0x94D049BB133111EBULL;
    return key ^ (key >> 31);
}

}  // namespace

std::optional<std::uint64_t> shard_key(int linktype, ByteView frame) {
    const auto ip_bytes = ip_layer(linktype, frame);
    if (!ip_bytes) return std::nullopt;
    const auto ip = read_outer_ip(*ip_bytes);
    if (!ip) return std::nullopt;
    // No ports and no protocol: the pair alone (see shard.h).
    return FlowTuple{ip->src, ip->dst, 0, 0, IpProto::udp}.symmetric_hash();
}

std::size_t shard_of(int linktype, ByteView frame, std::size_t workers) {
    if (workers <= 1) return 0;
    const auto key = shard_key(linktype, frame);
    return key ? static_cast<std::size_t>(spread(*key) % workers) : 0;
}

}  // namespace scamgate::net
