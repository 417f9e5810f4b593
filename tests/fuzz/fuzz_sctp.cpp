// Input: one header byte, then SCTP packets as [1-byte tuple selector][2-byte big-endian length][bytes]...
// Header bits 0-1 pick tight or default limits, bit 2 marks packets as cut by the snaplen, bit 3
// rewrites each packet's CRC32c to the correct value (so the checksum path and the
// processing-after-a-bad-checksum path are both reached). The tuple selector picks one of four
// address/port pairs and the direction, so associations, eviction and both directions are
// exercised. Timestamps advance one second per packet; expire() runs every eight packets.
// Invariants: a message is never larger than max_message_size; a whole-chunk message is the
// packet's bytes at its offset.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "net/sctp.h"

namespace {

using namespace scamgate;

class CheckingSink final : public net::SctpMessageSink {
public:
    explicit CheckingSink(const net::SctpLimits& limits) : limits_(limits) {}

    void on_sctp_message(const net::TransportPayload& message, const net::SctpMessageInfo& info) override {
        if (message.payload.size() > limits_.max_message_size && info.fragmented) std::abort();
        if (info.offset_in_packet >= 0) {
            const auto offset = static_cast<std::size_t>(info.offset_in_packet);
            if (offset + message.payload.size() > packet.size()) std::abort();
            if (message.payload.data() != packet.data() + offset) std::abort();
        }
        for (auto b : message.payload) checksum += b;  // touch every byte delivered
        ++messages;
    }
    void on_sctp_anomaly(const AnomalyInfo& anomaly) override { anomalies += anomaly.name.empty() ? 0 : 1; }

    ByteView packet;
    std::uint64_t messages = 0, anomalies = 0, checksum = 0;

private:
    net::SctpLimits limits_;
};

net::FlowTuple tuple_for(std::uint8_t selector) {
    static const std::array<IpAddress, 3> hosts = {*IpAddress::parse("203.0.113.10"), *IpAddress::parse("198.51.100.1"),
                                                   *IpAddress::parse("2001:db8::1")};
    net::FlowTuple t{hosts[selector % 3], hosts[(selector + 1) % 3], static_cast<std::uint16_t>(5060 + (selector >> 2) % 2),
                     5060, net::IpProto::sctp};
    return (selector & 0x80) != 0 ? t.reversed() : t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t header = data[0];
    net::SctpLimits limits;
    if ((header & 0x03) != 0) {
        limits.max_associations = 2;
        limits.max_message_size = 2048;
        limits.max_pending_fragments = 4;
        limits.fragment_timeout = seconds(3);
        limits.idle_timeout = seconds(20);
    }
    const bool truncated = (header & 0x04) != 0;
    const bool fix_checksum = (header & 0x08) != 0;
    CheckingSink sink(limits);
    net::SctpAssembler assembler(limits, sink);
    ByteReader reader({data + 1, size - 1});
    Timestamp ts = 1'700'000'000 * kNanosPerSecond;
    std::uint64_t number = 0;
    std::vector<std::uint8_t> packet;
    while (auto selector = reader.u8()) {
        auto length = reader.be16();
        if (!length) break;
        auto bytes = reader.take(std::min<std::size_t>(*length, reader.remaining()));
        if (!bytes) break;
        packet.assign(bytes->begin(), bytes->end());
        if (fix_checksum && packet.size() >= 12) net::store_sctp_checksum(packet);
        net::TransportPayload p;
        p.ts = ts;
        p.packet_number = ++number;
        p.tuple = tuple_for(*selector);
        p.payload = ByteView(packet.data(), packet.size());
        p.truncated = truncated;
        sink.packet = p.payload;
        assembler.on_packet(p);
        ts += kNanosPerSecond;
        if (number % 8 == 0) assembler.expire(ts);
    }
    assembler.expire(ts + seconds(3600));
    assembler.clear();
    StatsReport report;
    assembler.append_stats(report);
    return 0;
}
