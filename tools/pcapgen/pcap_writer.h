#pragma once
// Writes capture files with plain std::ofstream (not pcap_dump) so nanosecond pcap and pcapng
// are possible. Both writers emit little-endian files.
#include <cstdint>
#include <fstream>
#include <string>

#include "common/bytes.h"
#include "common/time.h"

namespace scamgate::pcapgen {

enum class TimeResolution { micro, nano };

// Classic pcap: 24-byte file header, then a 16-byte record header per frame.
class PcapWriter {
public:
    PcapWriter(const std::string& path, int linktype, std::uint32_t snaplen = 65535,
               TimeResolution resolution = TimeResolution::micro);

    bool ok() const { return out_.good(); }
    // caplen = min(frame size, snaplen); wire length = frame size.
    bool write(Timestamp ts, ByteView frame);
    // `captured` is stored as is (caplen may be < wire_length to simulate a snaplen cut).
    bool write(Timestamp ts, ByteView captured, std::uint32_t wire_length);
    void flush() { out_.flush(); }

private:
    std::ofstream out_;
    std::uint32_t snaplen_;
    TimeResolution resolution_;
};

// Minimal pcapng: one Section Header Block, one Interface Description Block (with if_tsresol
// when nanoseconds are asked for), then one Enhanced Packet Block per frame.
class PcapngWriter {
public:
    PcapngWriter(const std::string& path, int linktype, std::uint32_t snaplen = 65535,
                 TimeResolution resolution = TimeResolution::micro);

    bool ok() const { return out_.good(); }
    bool write(Timestamp ts, ByteView frame);
    bool write(Timestamp ts, ByteView captured, std::uint32_t wire_length);
    void flush() { out_.flush(); }

private:
    std::ofstream out_;
    std::uint32_t snaplen_;
    TimeResolution resolution_;
};

}  // namespace scamgate::pcapgen
