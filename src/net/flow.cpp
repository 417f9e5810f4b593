#include "net/flow.h"

#include <algorithm>

namespace scamgate::net {
namespace {

std::size_t mix(std::size_t seed, std::size_t value) {
    return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

std::size_t endpoint_hash(const IpAddress& address, std::uint16_t port) {
    return mix(address.hash(), port);
}

}  // namespace

std::size_t FlowTuple::hash() const {
    std::size_t h = endpoint_hash(src, src_port);
    h = mix(h, endpoint_hash(dst, dst_port));
    return mix(h, static_cast<std::size_t>(proto));
}

std::size_t FlowTuple::symmetric_hash() const {
    const std::size_t a = endpoint_hash(src, src_port);
    const std::size_t b = endpoint_hash(dst, dst_port);
    return mix(mix(std::min(a, b), std::max(a, b)), static_cast<std::size_t>(proto));
}

const char* tunnel_name(TunnelKind kind) {
    switch (kind) {
        case TunnelKind::none: return "none";
        case TunnelKind::gre: return "gre";
        case TunnelKind::erspan1: return "erspan1";
        case TunnelKind::erspan2: return "erspan2";
        case TunnelKind::erspan3: return "erspan3";
        case TunnelKind::ipip: return "ipip";
        case TunnelKind::gtpu: return "gtpu";
        case TunnelKind::pptp: return "pptp";
    }
    return "unknown";
}

const char* transport_name(IpProto proto) {
    switch (proto) {
        case IpProto::tcp: return "tcp";
        case IpProto::udp: return "udp";
        case IpProto::sctp: return "sctp";
    }
    return "unknown";
}

}  // namespace scamgate::net
