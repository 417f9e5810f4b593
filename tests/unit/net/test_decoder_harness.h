#pragma once
// Test helpers shared by the decoder tests: a sink that keeps copies of what it receives and a
// harness that feeds builder frames with advancing timestamps.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/decoder.h"
#include "pcapgen/packet_builder.h"
#include "stats_test_support.h"

namespace scamgate::net::testing {

struct Delivered {
    FlowTuple tuple;
    Encapsulation encap;
    std::string payload;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint64_t packet_number = 0;
};

class RecordingSink final : public DecodeSink {
public:
    void on_transport(const TransportPayload& p) override {
        delivered.push_back({p.tuple, p.encap, std::string(as_text(p.payload)), p.tcp_seq, p.tcp_ack,
                             p.tcp_flags, p.packet_number});
    }
    void on_anomaly(const AnomalyInfo& anomaly) override { anomalies.emplace_back(anomaly.name); }

    std::vector<Delivered> delivered;
    std::vector<std::string> anomalies;
};

class DecoderHarness {
public:
    explicit DecoderHarness(NetLimits limits = {}) : decoder_(limits, sink) {}

    void feed(const pcapgen::Bytes& frame, int linktype = pcapgen::linktype::ethernet,
              std::optional<std::uint32_t> wire_length = std::nullopt) {
        capture::Packet packet;
        packet.ts = now;
        packet.linktype = linktype;
        packet.data = frame;
        packet.wire_length = wire_length.value_or(static_cast<std::uint32_t>(frame.size()));
        packet.number = ++number_;
        decoder_.decode(packet);
        now += kNanosPerSecond / 1000;
    }
    void expire(Timestamp at) { decoder_.expire(at); }
    // A counter of the decoder's report; an unknown name fails the test (stats_test_support.h).
    std::uint64_t stat(std::string_view name) const {
        StatsReport report;
        decoder_.append_stats(report);
        return test_support::counter<NetAnomaly>(report, name);
    }

    RecordingSink sink;
    Timestamp now = 1'700'000'000 * kNanosPerSecond;

private:
    PacketDecoder decoder_;
    std::uint64_t number_ = 0;
};

}  // namespace scamgate::net::testing
