#pragma once
// Per-connection, per-direction TCP byte streams: in order, without retransmitted bytes,
// with gaps reported instead of waited on forever. Memory is bounded per direction and overall.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/anomaly.h"
#include "common/stats.h"
#include "net/flow.h"

namespace scamgate::net {

// Direction relative to the side that opened the connection (or, for a connection seen
// mid-stream, the side of the first segment seen).
enum class Direction : std::uint8_t { from_originator, from_responder };

struct TcpConnectionInfo {
    std::uint64_t id = 0;          // unique within one reassembler
    FlowTuple originator_tuple;    // src = originator
    bool seen_handshake = false;   // false: picked up mid-stream
};

// What a stream consumer is told about the segment whose bytes it is receiving.
// Bytes delivered straight from the arriving segment: ts/packet_number are that segment's and
// `segment` points to it. Bytes released from the out-of-order queue (the reassembler's own copy):
// `segment` is null (the original segment is gone); ts/packet_number are those of the segment whose
// arrival made them deliverable, or, when a flush without a segment released them (expire,
// close_all, eviction), those of the held copy's original segment.
struct SegmentMeta {
    Timestamp ts = 0;
    std::uint64_t packet_number = 0;
    const TransportPayload* segment = nullptr;  // the segment that completed these bytes, or null
};

class StreamHandler {
public:
    virtual ~StreamHandler() = default;
    virtual void on_data(Direction dir, ByteView bytes, const SegmentMeta& meta) = 0;
    // `missing` bytes will never arrive in this direction; the consumer must resynchronise.
    virtual void on_gap(Direction dir, std::size_t missing) = 0;
    virtual void on_close() {}
};

class StreamHandlerFactory {
public:
    virtual ~StreamHandlerFactory() = default;
    // Called for the first segment of a new connection. nullptr: the connection is ignored
    // (tracked cheaply so the decision is not asked again).
    virtual std::unique_ptr<StreamHandler> open(const TcpConnectionInfo& info,
                                                const TransportPayload& first) = 0;
    virtual void on_anomaly(const AnomalyInfo& anomaly) { (void)anomaly; }
};

struct TcpLimits {
    std::size_t max_connections = 65536;
    std::size_t max_pending_bytes_per_direction = 256u << 10;  // out-of-order bytes held
    std::size_t max_pending_segments_per_direction = 512;
    std::size_t max_pending_bytes_total = 64u << 20;  // out-of-order bytes held, all connections
    Timestamp idle_timeout = seconds(300);
    Timestamp closed_linger = seconds(5);  // keep state this long after FIN/RST for stray segments
};

enum class TcpAnomaly : std::uint8_t {
    connection_table_full,
    pending_limit_exceeded,
    gap_skipped,
    overlap_mismatch,  // retransmitted bytes differ from the first copy (first copy wins)
    total_pending_limit_exceeded,  // max_pending_bytes_total reached: a direction skips its hole
    segment_out_of_window,         // sequence number over 2^30 away from the expected one: dropped
    count_
};

AnomalyInfo describe(TcpAnomaly anomaly);

// Connections are keyed by the tuple in either direction. With a SYN seen, its sender is the
// originator and data starts at ISN+1; picked up mid-stream, the sender of the first segment is
// the originator and each direction starts at its first data-carrying segment (earlier bytes that
// arrive later count as retransmissions). FIN from both sides or RST closes a connection; its
// entry lingers for closed_linger so stragglers are ignored, and a new SYN reopens the tuple.
// Cost per segment: one hash lookup and an O(1) LRU move; only out-of-order bytes are copied.
class TcpReassembler {
public:
    TcpReassembler(const TcpLimits& limits, StreamHandlerFactory& factory);
    ~TcpReassembler();
    TcpReassembler(const TcpReassembler&) = delete;
    TcpReassembler& operator=(const TcpReassembler&) = delete;

    void on_segment(const TransportPayload& segment);
    // Flushes and closes connections idle past the timeout (pending data is delivered after a gap).
    void expire(Timestamp now);
    // Flushes and closes every connection (end of replay, shutdown).
    void close_all();
    // tcp.connections (opened), tcp.connections_ignored (factory returned nullptr),
    // tcp.bytes_delivered, tcp.gaps, tcp.retransmissions (segments carrying bytes already delivered
    // or held), tcp.out_of_order (segments held), tcp.active, tcp.pending_bytes, + anomalies.
    void append_stats(StatsReport& report) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scamgate::net
