#include "pcapgen/pcap_writer.h"

#include <algorithm>
#include <vector>

namespace scamgate::pcapgen {
namespace {

constexpr std::uint32_t kMagicMicro = 0xA1B2C3D4;
constexpr std::uint32_t kMagicNano = 0xA1B23C4D;
constexpr std::uint32_t kBlockSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kBlockInterface = 0x00000001;
constexpr std::uint32_t kBlockEnhancedPacket = 0x00000006;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint16_t kOptionTsresol = 9;

using Buffer = std::vector<std::uint8_t>;

void put16(Buffer& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Buffer& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v));
    put16(b, static_cast<std::uint16_t>(v >> 16));
}
void pad4(Buffer& b) {
    while (b.size() % 4 != 0) b.push_back(0);
}

bool flush_buffer(std::ofstream& out, const Buffer& b) {
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return out.good();
}

// Wraps a block body with its type and the total length repeated at both ends.
Buffer block(std::uint32_t type, const Buffer& body) {
    Buffer b;
    const auto total = static_cast<std::uint32_t>(body.size() + 12);
    put32(b, type);
    put32(b, total);
    b.insert(b.end(), body.begin(), body.end());
    put32(b, total);
    return b;
}

std::uint64_t ticks(Timestamp ts, TimeResolution resolution) {
    const auto ns = static_cast<std::uint64_t>(std::max<Timestamp>(ts, 0));
    return resolution == TimeResolution::nano ? ns : ns / 1000;
}

}  // namespace

PcapWriter::PcapWriter(const std::string& path, int linktype, std::uint32_t snaplen,
                       TimeResolution resolution)
    : out_(path, std::ios::binary | std::ios::trunc), snaplen_(snaplen), resolution_(resolution) {
    Buffer header;
    put32(header, resolution == TimeResolution::nano ? kMagicNano : kMagicMicro);
    put16(header, 2);
    put16(header, 4);
    put32(header, 0);  // thiszone
    put32(header, 0);  // sigfigs
    put32(header, snaplen);
    put32(header, static_cast<std::uint32_t>(linktype));
    flush_buffer(out_, header);
}

bool PcapWriter::write(Timestamp ts, ByteView frame) {
    const auto caplen = std::min<std::size_t>(frame.size(), snaplen_);
    return write(ts, frame.first(caplen), static_cast<std::uint32_t>(frame.size()));
}

bool PcapWriter::write(Timestamp ts, ByteView captured, std::uint32_t wire_length) {
    const std::uint64_t units_per_second = resolution_ == TimeResolution::nano ? 1'000'000'000 : 1'000'000;
    const std::uint64_t t = ticks(ts, resolution_);
    Buffer record;
    put32(record, static_cast<std::uint32_t>(t / units_per_second));
    put32(record, static_cast<std::uint32_t>(t % units_per_second));
    put32(record, static_cast<std::uint32_t>(captured.size()));
    put32(record, wire_length);
    record.insert(record.end(), captured.begin(), captured.end());
    return flush_buffer(out_, record);
}

PcapngWriter::PcapngWriter(const std::string& path, int linktype, std::uint32_t snaplen,
                           TimeResolution resolution)
    : out_(path, std::ios::binary | std::ios::trunc), snaplen_(snaplen), resolution_(resolution) {
    Buffer shb;
    put32(shb, kByteOrderMagic);
    put16(shb, 1);
    put16(shb, 0);
    put32(shb, 0xFFFFFFFF);  // section length unknown
    put32(shb, 0xFFFFFFFF);
    flush_buffer(out_, block(kBlockSectionHeader, shb));

    Buffer idb;
    put16(idb, static_cast<std::uint16_t>(linktype));
    put16(idb, 0);
    put32(idb, snaplen);
    if (resolution == TimeResolution::nano) {
        put16(idb, kOptionTsresol);
        put16(idb, 1);
        idb.push_back(9);  // 10^-9
        pad4(idb);
        put16(idb, 0);  // opt_endofopt
        put16(idb, 0);
    }
    flush_buffer(out_, block(kBlockInterface, idb));
}

bool PcapngWriter::write(Timestamp ts, ByteView frame) {
    const auto caplen = std::min<std::size_t>(frame.size(), snaplen_);
    return write(ts, frame.first(caplen), static_cast<std::uint32_t>(frame.size()));
}

bool PcapngWriter::write(Timestamp ts, ByteView captured, std::uint32_t wire_length) {
    const std::uint64_t t = ticks(ts, resolution_);
    Buffer epb;
    put32(epb, 0);  // interface id
    put32(epb, static_cast<std::uint32_t>(t >> 32));
    put32(epb, static_cast<std::uint32_t>(t));
    put32(epb, static_cast<std::uint32_t>(captured.size()));
    put32(epb, wire_length);
    epb.insert(epb.end(), captured.begin(), captured.end());
    pad4(epb);
    return flush_buffer(out_, block(kBlockEnhancedPacket, epb));
}

}  // namespace scamgate::pcapgen
