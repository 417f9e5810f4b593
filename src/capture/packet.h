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

}  // namespace scamgate::capture
