#pragma once
// TCP segments with running sequence numbers per direction, for the inline gate's tests.
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "net/flow.h"
#include "net/rewrite.h"
#include "pcapgen/packet_builder.h"

namespace scamgate::test_support {

// TCP segments with running sequence numbers per direction, as a connection carries them: the
// worker reassembles the streams (an SMPP bind and its submits must arrive in order).
class TcpStreams {
public:
    net::PacketBytes segment(const net::FlowTuple& t, std::string_view payload, std::uint8_t flags = 0x18) {
        std::uint32_t& seq = next_[t];
        if (seq == 0 || (flags & 0x02) != 0) seq = 1000;  // first segment seen, or a new connection (SYN)
        auto bytes = pcapgen::PacketBuilder()
                         .ipv4(t.src.to_string(), t.dst.to_string())
                         .tcp({.src_port = t.src_port, .dst_port = t.dst_port, .seq = seq, .flags = flags})
                         .payload(pcapgen::to_bytes(payload))
                         .build();
        seq += static_cast<std::uint32_t>(payload.size()) + ((flags & 0x03) != 0 ? 1 : 0);  // SYN and FIN count one
        return bytes;
    }

private:
    std::unordered_map<net::FlowTuple, std::uint32_t> next_;
};

}  // namespace scamgate::test_support
