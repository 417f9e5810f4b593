// Feeds one TcpReassembler a sequence of segment records decoded from the input and checks its
// invariants. Input: a header byte (bit 0: honest payloads, bit 1: decline the third tuple),
// a 4-byte base sequence number, then records of 4 bytes each:
//   [0] tuple (bits 0-1, mod 3), direction (bit 2), SYN/FIN/RST/ACK (bits 3-6), time jump (bit 7)
//   [1..2] signed 16-bit sequence delta from the base
//   [3] payload length (0..63); in raw mode that many payload bytes follow.
// Honest payloads carry byte value (seq & 0xff) at each sequence number, so a consumer can check
// that bytes arrive in order, never twice, and that every gap has exactly the reported size.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "net/tcp_reassembly.h"

namespace {

using namespace scamgate;
using namespace scamgate::net;

void require(bool condition) {
    if (!condition) std::abort();
}

struct StreamCheck {
    std::optional<std::uint8_t> expected;  // next byte value, once the first byte is seen
    std::uint64_t delivered = 0;
    std::uint64_t missing = 0;
    std::size_t span_index = 0;  // which oriented tuple's sequence span bounds this stream
};

// Sequence space seen per oriented tuple (3 tuples x 2 orientations), as offsets from the base:
// a stream can never account for more bytes (delivered + skipped) than this span.
struct SeqSpan {
    std::int64_t low = 0;
    std::int64_t high = 0;
    bool seen = false;

    void add(std::int64_t start, std::int64_t end) {
        low = seen ? std::min(low, start) : start;
        high = seen ? std::max(high, end) : end;
        seen = true;
    }
    std::uint64_t size() const { return seen ? static_cast<std::uint64_t>(high - low) : 0; }
};
using SeqSpans = std::array<SeqSpan, 6>;

std::size_t span_index_of(std::size_t tuple_index, bool reversed) {
    return tuple_index * 2 + (reversed ? 1 : 0);
}

struct ConnectionLog {
    std::array<StreamCheck, 2> streams;
    bool closed = false;
};

class CheckingHandler : public StreamHandler {
public:
    CheckingHandler(ConnectionLog& log, bool honest, std::uint64_t& delivered_total,
                    const SeqSpans& spans)
        : log_(log), honest_(honest), delivered_total_(delivered_total), spans_(spans) {}

    void on_data(Direction dir, ByteView bytes, const SegmentMeta& meta) override {
        require(!log_.closed);
        require(!bytes.empty());
        require(meta.segment == nullptr || !meta.segment->payload.empty());
        auto& stream = log_.streams[static_cast<std::size_t>(dir)];
        stream.delivered += bytes.size();
        delivered_total_ += bytes.size();
        require_within_span(stream);
        if (!honest_) return;
        for (auto byte : bytes) {
            require(!stream.expected || *stream.expected == byte);
            stream.expected = static_cast<std::uint8_t>(byte + 1);
        }
    }
    void on_gap(Direction dir, std::size_t missing) override {
        require(!log_.closed);
        require(missing > 0 && missing <= (std::size_t{1} << 30));
        auto& stream = log_.streams[static_cast<std::size_t>(dir)];
        if (stream.expected)
            stream.expected = static_cast<std::uint8_t>(*stream.expected + missing);
        stream.missing += missing;
        require_within_span(stream);
    }
    void on_close() override {
        require(!log_.closed);
        log_.closed = true;
    }

private:
    void require_within_span(const StreamCheck& stream) const {
        require(stream.delivered + stream.missing <= spans_[stream.span_index].size());
    }

    ConnectionLog& log_;
    bool honest_;
    std::uint64_t& delivered_total_;
    const SeqSpans& spans_;
};

class CheckingFactory : public StreamHandlerFactory {
public:
    CheckingFactory(bool honest, std::optional<FlowTuple> declined, const SeqSpans& spans)
        : honest_(honest), declined_(declined), spans_(spans) {}

    std::unique_ptr<StreamHandler> open(const TcpConnectionInfo& info,
                                        const TransportPayload& first) override {
        require(info.id == ++last_id_);
        if (declined_ && (first.tuple == *declined_ || first.tuple == declined_->reversed())) {
            return nullptr;
        }
        auto& log = logs.emplace_back();
        const FlowTuple& originator = info.originator_tuple;
        const bool reversed = originator.dst_port != 5060;
        const std::size_t tuple_index =
            (reversed ? originator.dst_port : originator.src_port) - 40000u;
        log.streams[0].span_index = span_index_of(tuple_index, reversed);
        log.streams[1].span_index = span_index_of(tuple_index, !reversed);
        return std::make_unique<CheckingHandler>(log, honest_, delivered_total, spans_);
    }

    std::deque<ConnectionLog> logs;
    std::uint64_t delivered_total = 0;

private:
    bool honest_;
    std::optional<FlowTuple> declined_;
    const SeqSpans& spans_;
    std::uint64_t last_id_ = 0;
};

FlowTuple tuple_number(std::size_t index) {
    const std::uint8_t client[4] = {10, 0, 0, static_cast<std::uint8_t>(1 + index)};
    const std::uint8_t server[4] = {10, 0, 0, 100};
    return FlowTuple{IpAddress::v4(client), IpAddress::v4(server),
                     static_cast<std::uint16_t>(40000 + index), 5060, IpProto::tcp};
}

TcpLimits small_limits() {
    TcpLimits limits;
    limits.max_connections = 2;
    limits.max_pending_bytes_per_direction = 128;
    limits.max_pending_segments_per_direction = 4;
    limits.max_pending_bytes_total = 200;
    limits.idle_timeout = seconds(10);
    limits.closed_linger = seconds(2);
    return limits;
}

std::uint8_t tcp_flags_of(std::uint8_t bits) {
    std::uint8_t flags = 0;
    if (bits & 1) flags |= tcp_flags::syn;
    if (bits & 2) flags |= tcp_flags::fin;
    if (bits & 4) flags |= tcp_flags::rst;
    if (bits & 8) flags |= tcp_flags::ack;
    return flags;
}

void check_stats(const TcpReassembler& tcp, const TcpLimits& limits, const CheckingFactory& factory,
                 std::uint64_t payload_fed) {
    StatsReport report;
    tcp.append_stats(report);
    require(report.get("tcp.bytes_delivered") == factory.delivered_total);
    require(factory.delivered_total <= payload_fed);
    require(report.get("tcp.pending_bytes") <= limits.max_pending_bytes_total);
    require(report.get("tcp.active") <= limits.max_connections);
    require(report.get("tcp.gaps") == report.get("anomaly.tcp.gap_skipped"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ByteReader input(ByteView(data, size));
    const auto mode = input.u8();
    const auto base = input.be32();
    if (!mode || !base) return 0;
    const bool honest = (*mode & 1) != 0;
    const bool decline_third = (*mode & 2) != 0;

    const TcpLimits limits = small_limits();
    SeqSpans spans;
    CheckingFactory factory(honest, decline_third ? std::optional(tuple_number(2)) : std::nullopt,
                            spans);
    TcpReassembler tcp(limits, factory);
    std::vector<std::uint8_t> payload;
    std::uint64_t payload_fed = 0;
    std::uint64_t packet_number = 0;
    Timestamp now = 0;

    while (input.has(4)) {
        const std::uint8_t control = *input.u8();
        const auto delta = static_cast<std::int16_t>(*input.be16());
        const std::size_t length = *input.u8() & 63u;
        if (control & 0x80) {
            now += seconds(3);
            tcp.expire(now);
        }
        now += 1000;

        TransportPayload segment;
        segment.ts = now;
        segment.packet_number = ++packet_number;
        const std::size_t tuple_index = (control & 3u) % 3;
        const bool reversed = (control & 4) != 0;
        const FlowTuple tuple = tuple_number(tuple_index);
        segment.tuple = reversed ? tuple.reversed() : tuple;
        segment.tcp_seq = *base + static_cast<std::uint32_t>(static_cast<std::int32_t>(delta)) +
                          ((control & 4) ? 0x40000000u : 0u);
        segment.tcp_flags = tcp_flags_of(static_cast<std::uint8_t>(control >> 3));

        payload.clear();
        const std::uint32_t data_seq =
            segment.tcp_seq + ((segment.tcp_flags & tcp_flags::syn) ? 1 : 0);
        if (honest) {
            for (std::size_t i = 0; i < length; ++i)
                payload.push_back(static_cast<std::uint8_t>(data_seq + i));
        } else {
            const auto raw = input.take(std::min(length, input.remaining()));
            payload.assign(raw->begin(), raw->end());
        }
        segment.payload = ByteView(payload);
        const std::int64_t data_offset = delta + ((segment.tcp_flags & tcp_flags::syn) ? 1 : 0);
        spans[span_index_of(tuple_index, reversed)].add(
            data_offset, data_offset + static_cast<std::int64_t>(payload.size()));
        payload_fed += payload.size();
        tcp.on_segment(segment);
        check_stats(tcp, limits, factory, payload_fed);
    }

    tcp.expire(now + seconds(1));
    check_stats(tcp, limits, factory, payload_fed);
    tcp.close_all();
    check_stats(tcp, limits, factory, payload_fed);
    StatsReport report;
    tcp.append_stats(report);
    require(report.get("tcp.active") == 0);
    require(report.get("tcp.pending_bytes") == 0);
    for (const auto& log : factory.logs) require(log.closed);
    return 0;
}
