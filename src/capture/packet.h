#pragma once
#include <cstdint>

#include "common/bytes.h"
#include "common/time.h"

namespace scamgate::capture {

// One captured frame. `data` is valid until the source is asked for the next packet.
struct Packet {
    Timestamp ts = 0;
    int linktype = 0;              // LINKTYPE_* / DLT_* value as libpcap reports it
    ByteView data;                 // captured bytes (caplen)
    std::uint32_t wire_length = 0; // original length on the wire
    std::uint64_t number = 0;      // 1-based position in its source, for logs and evidence
};

inline constexpr int kLinktypeRaw = 101;  // LINKTYPE_RAW: the packet starts with its IP header

// A whole IPv4/IPv6 datagram as a packet (NFQUEUE hands these over; inline replies are built so).
inline Packet raw_ip_packet(ByteView ip, Timestamp ts, std::uint64_t number) {
    return Packet{ts, kLinktypeRaw, ip, static_cast<std::uint32_t>(ip.size()), number};
}

}  // namespace scamgate::capture
