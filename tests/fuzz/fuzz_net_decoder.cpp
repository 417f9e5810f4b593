// Input: one header byte, then frames as [2-byte big-endian length][bytes]...
// Header bits 0-3 pick the link type, bit 4 marks every frame as cut by snaplen (wire length
// larger than what was captured). All frames go through one decoder with tight limits so
// eviction and timeouts are exercised, timestamps advance one second per frame and expire()
// runs every eight frames and at the end. Each frame also goes through net::shard_of, the header
// peek replay --workers N runs on the reader thread before the decoder sees the frame.
#include <array>
#include <cstddef>
#include <cstdint>

#include "net/decoder.h"
#include "net/shard.h"

namespace {

constexpr std::array<int, 10> kLinktypes = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};

class CountingSink final : public scamgate::net::DecodeSink {
public:
    void on_transport(const scamgate::net::TransportPayload& payload) override {
        ++payloads;
        for (auto b : payload.payload) checksum += b;  // touch every byte delivered
    }
    void on_anomaly(const scamgate::AnomalyInfo& anomaly) override { anomalies += anomaly.name.size() > 0; }

    std::uint64_t payloads = 0;
    std::uint64_t anomalies = 0;
    std::uint64_t checksum = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const int linktype = kLinktypes[(data[0] & 0x0F) % kLinktypes.size()];
    const bool snaplen_cut = (data[0] & 0x10) != 0;
    scamgate::ByteReader reader({data + 1, size - 1});

    scamgate::net::NetLimits limits;
    limits.max_fragment_trains = 4;
    limits.max_fragment_bytes = 8192;
    limits.fragment_timeout = scamgate::seconds(5);
    limits.max_tunnel_depth = 3;
    CountingSink sink;
    scamgate::net::PacketDecoder decoder(limits, sink);

    scamgate::capture::Packet packet;
    packet.linktype = linktype;
    packet.ts = 1'700'000'000 * scamgate::kNanosPerSecond;
    while (auto length = reader.be16()) {
        auto frame = reader.take(std::min<std::size_t>(*length, reader.remaining()));
        if (!frame) break;
        packet.data = *frame;
        packet.wire_length = static_cast<std::uint32_t>(frame->size() + (snaplen_cut ? 100 : 0));
        ++packet.number;
        if (scamgate::net::shard_of(linktype, *frame, 3) >= 3) __builtin_trap();
        decoder.decode(packet);
        packet.ts += scamgate::kNanosPerSecond;
        if (packet.number % 8 == 0) decoder.expire(packet.ts);
    }
    decoder.expire(packet.ts + scamgate::seconds(60));
    scamgate::StatsReport report;
    decoder.append_stats(report);
    return 0;
}
