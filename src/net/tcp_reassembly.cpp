#include "net/tcp_reassembly.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <list>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

namespace scamgate::net {

AnomalyInfo describe(TcpAnomaly anomaly) {
    switch (anomaly) {
        case TcpAnomaly::connection_table_full:
            return {"tcp.connection_table_full",
                    "connection table full: least recently active connection evicted"};
        case TcpAnomaly::pending_limit_exceeded:
            return {"tcp.pending_limit_exceeded",
                    "out-of-order bytes or segments over the per-direction limit"};
        case TcpAnomaly::gap_skipped:
            return {"tcp.gap_skipped", "missing stream bytes skipped, consumer resynchronises"};
        case TcpAnomaly::overlap_mismatch:
            return {"tcp.overlap_mismatch",
                    "retransmitted bytes differ from the first copy (first copy kept)"};
        case TcpAnomaly::total_pending_limit_exceeded:
            return {"tcp.total_pending_limit_exceeded",
                    "out-of-order bytes over the limit for all connections"};
        case TcpAnomaly::segment_out_of_window:
            return {"tcp.segment_out_of_window",
                    "sequence number too far from the expected one, segment dropped"};
        case TcpAnomaly::count_:
            break;
    }
    return {"tcp.unknown", "unknown TCP anomaly"};
}

namespace {

// RFC 7323's largest window: no legitimate segment lies farther than this from the expected
// sequence number, and keeping under 2^31 keeps the signed 32-bit distance unambiguous.
constexpr std::int64_t kMaxWindow = std::int64_t{1} << 30;

// True once `span` has passed since `from`; immune to overflow on hostile timestamps.
bool elapsed(Timestamp from, Timestamp now, Timestamp span) {
    if (now < from) return false;
    return static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(from) >=
           static_cast<std::uint64_t>(std::max<Timestamp>(span, 0));
}

constexpr std::size_t index_of(Direction dir) { return static_cast<std::size_t>(dir); }

bool has_flag(const TransportPayload& segment, std::uint8_t flag) {
    return (segment.tcp_flags & flag) != 0;
}

bool opens_connection(const TransportPayload& segment) {
    return has_flag(segment, tcp_flags::syn) && !has_flag(segment, tcp_flags::ack);
}

// Both directions share one table key, the orientation whose (address, port) orders first, so a
// segment costs one lookup whichever way it travels.
bool is_canonical(const FlowTuple& tuple) {
    if (tuple.src != tuple.dst) return tuple.src < tuple.dst;
    return tuple.src_port <= tuple.dst_port;
}

// Local hash: FlowTuple::hash lives in flow.cpp, which this module must not depend on for now.
struct TupleKeyHash {
    std::size_t operator()(const FlowTuple& tuple) const noexcept {
        std::uint64_t h = tuple.src.hash();
        h = (h ^ tuple.dst.hash()) * 0x9E3779B97F4A7C15ULL;
        h ^= (std::uint64_t{tuple.src_port} << 24) ^ (std::uint64_t{tuple.dst_port} << 8) ^
             static_cast<std::uint64_t>(tuple.proto);
        h *= 0xBF58476D1CE4E5B9ULL;
        return static_cast<std::size_t>(h ^ (h >> 31));
    }
};

// An out-of-order byte range held until the hole before it fills; owns its bytes.
struct HeldBytes {
    std::vector<std::uint8_t> bytes;
    Timestamp ts = 0;
    std::uint64_t packet_number = 0;
};

// One direction's byte stream. Positions are 64-bit stream offsets (0 = first byte), so held
// ranges sort correctly across sequence-number wraparound.
struct StreamState {
    bool started = false;
    bool syn_seen = false;
    bool fin_seen = false;
    std::uint32_t isn = 0;                    // valid when syn_seen
    std::uint32_t base_seq = 0;               // sequence number of offset 0
    std::uint64_t next = 0;                   // offset of the next byte to deliver
    std::map<std::uint64_t, HeldBytes> held;  // non-overlapping, every key > next
    std::size_t held_bytes = 0;

    std::uint32_t next_seq() const { return base_seq + static_cast<std::uint32_t>(next); }
    void start_at(std::uint32_t seq) {
        started = true;
        base_seq = seq;
        next = 0;
    }
};

enum class ConnState : std::uint8_t { active, closed };

struct Connection {
    TcpConnectionInfo info;
    bool originator_is_canonical = true;
    ConnState state = ConnState::active;
    Timestamp last_seen = 0;                 // last segment while active; close time once closed
    std::unique_ptr<StreamHandler> handler;  // null: connection ignored
    std::array<StreamState, 2> streams;
    std::list<FlowTuple>::iterator order;  // position in the active LRU or the closed FIFO

    Direction direction_of(bool segment_is_canonical) const {
        return segment_is_canonical == originator_is_canonical ? Direction::from_originator
                                                               : Direction::from_responder;
    }
    StreamState& stream(Direction dir) { return streams[index_of(dir)]; }
    bool both_fins_seen() const { return streams[0].fin_seen && streams[1].fin_seen; }
};

using Table = std::unordered_map<FlowTuple, Connection, TupleKeyHash>;

struct Counters {
    std::uint64_t connections = 0;
    std::uint64_t connections_ignored = 0;
    std::uint64_t bytes_delivered = 0;
    std::uint64_t gaps = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t out_of_order = 0;
};

// Where a new segment's bytes would go in the held queue: the parts not already held.
struct HoldPlan {
    std::vector<std::pair<std::size_t, std::size_t>> pieces;  // (offset in segment, length)
    std::size_t new_bytes = 0;
    bool overlaps_held = false;
    bool mismatch = false;
};

enum class HoldResult : std::uint8_t { held, over_direction_limit, over_total_limit };

// Calls visit(held_offset, held_entry) for each held range overlapping [start, start + length).
template <typename Visit>
void for_each_held_overlap(const StreamState& stream, std::uint64_t start, std::size_t length,
                           Visit&& visit) {
    const std::uint64_t end = start + length;
    auto it = stream.held.upper_bound(start);
    if (it != stream.held.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second.bytes.size() > start) it = prev;
    }
    for (; it != stream.held.end() && it->first < end; ++it) visit(it->first, it->second);
}

// True if some byte of `bytes` (at stream offset `start`) differs from the held copy of it.
// End offset of the run of held ranges that starts at the lowest one without a hole.
std::uint64_t contiguous_held_end(const StreamState& stream) {
    std::uint64_t end = stream.held.begin()->first;
    for (const auto& [at, held] : stream.held) {
        if (at > end) break;
        end = std::max(end, at + held.bytes.size());
    }
    return end;
}

bool differs_from_held(const StreamState& stream, std::uint64_t start, ByteView bytes) {
    bool mismatch = false;
    for_each_held_overlap(stream, start, bytes.size(), [&](std::uint64_t at, const HeldBytes& h) {
        const std::uint64_t from = std::max(at, start);
        const std::uint64_t to = std::min(at + h.bytes.size(), start + bytes.size());
        const auto ours = bytes.subspan(from - start, to - from);
        const auto theirs = ByteView(h.bytes).subspan(from - at, to - from);
        if (!std::equal(ours.begin(), ours.end(), theirs.begin())) mismatch = true;
    });
    return mismatch;
}

HoldPlan plan_hold(const StreamState& stream, std::uint64_t start, ByteView bytes) {
    HoldPlan plan;
    std::uint64_t cursor = start;
    for_each_held_overlap(stream, start, bytes.size(), [&](std::uint64_t at, const HeldBytes& h) {
        if (at > cursor) plan.pieces.emplace_back(cursor - start, at - cursor);
        plan.overlaps_held = true;
        cursor = std::max(cursor, at + h.bytes.size());
    });
    const std::uint64_t end = start + bytes.size();
    if (cursor < end) plan.pieces.emplace_back(cursor - start, end - cursor);
    for (const auto& piece : plan.pieces) plan.new_bytes += piece.second;
    plan.mismatch = plan.overlaps_held && differs_from_held(stream, start, bytes);
    return plan;
}

}  // namespace

struct TcpReassembler::Impl {
    Impl(const TcpLimits& l, StreamHandlerFactory& f) : limits(l), factory(f) {
        limits.max_connections = std::max<std::size_t>(limits.max_connections, 1);
    }

    TcpLimits limits;
    StreamHandlerFactory& factory;
    Table table;
    std::list<FlowTuple> active_lru;   // most recently active first
    std::list<FlowTuple> closed_fifo;  // closed longest ago first
    std::uint64_t next_id = 1;
    std::size_t total_held_bytes = 0;
    Counters counters;
    AnomalyCounts<TcpAnomaly> anomalies;

    void count(TcpAnomaly anomaly) {
        anomalies.add(anomaly);
        factory.on_anomaly(describe(anomaly));
    }

    // ---- table and connection life ------------------------------------------------------------

    void on_segment(const TransportPayload& segment) {
        if (segment.tuple.proto != IpProto::tcp) return;
        const bool canonical = is_canonical(segment.tuple);
        const FlowTuple key = canonical ? segment.tuple : segment.tuple.reversed();
        auto it = table.find(key);
        if (it != table.end() && !still_owns_segment(it, segment)) {
            it = table.end();
        }
        if (it == table.end()) {
            if (has_flag(segment, tcp_flags::rst)) return;  // nothing to reset
            it = open_connection(key, canonical, segment);
        }
        Connection& conn = it->second;
        if (conn.state == ConnState::closed) return;  // straggler within closed_linger
        touch(conn, segment.ts);
        handle_segment(conn, conn.direction_of(canonical), segment);
        if (has_flag(segment, tcp_flags::rst) || conn.both_fins_seen()) {
            close_to_linger(conn, &segment);
        }
    }

    // False when the entry was retired because the segment begins a new connection on the tuple.
    bool still_owns_segment(Table::iterator it, const TransportPayload& segment) {
        Connection& conn = it->second;
        if (conn.state == ConnState::closed) {
            const bool lingered = elapsed(conn.last_seen, segment.ts, limits.closed_linger);
            if (!opens_connection(segment) && !lingered) return true;
            erase(it);
            return false;
        }
        if (!opens_connection(segment) || is_repeated_syn(conn, segment)) return true;
        finish(conn, nullptr);  // port reuse: a fresh SYN replaces the old connection
        erase(it);
        return false;
    }

    static bool is_repeated_syn(Connection& conn, const TransportPayload& segment) {
        const Direction dir = conn.direction_of(is_canonical(segment.tuple));
        const StreamState& stream = conn.stream(dir);
        if (dir != Direction::from_originator) return false;
        // A late SYN for a connection first seen at its SYN-ACK still belongs to it.
        return stream.syn_seen ? stream.isn == segment.tcp_seq : !stream.started;
    }

    Table::iterator open_connection(const FlowTuple& key, bool canonical,
                                    const TransportPayload& first) {
        make_room();
        const bool syn_ack = has_flag(first, tcp_flags::syn) && has_flag(first, tcp_flags::ack);
        Connection conn;
        conn.info.id = next_id++;
        conn.info.originator_tuple = syn_ack ? first.tuple.reversed() : first.tuple;
        conn.info.seen_handshake = has_flag(first, tcp_flags::syn);
        conn.originator_is_canonical = syn_ack ? !canonical : canonical;
        conn.last_seen = first.ts;
        active_lru.push_front(key);
        conn.order = active_lru.begin();
        auto it = table.emplace(key, std::move(conn)).first;
        ++counters.connections;
        it->second.handler = factory.open(it->second.info, first);
        if (!it->second.handler) ++counters.connections_ignored;
        return it;
    }

    void make_room() {
        if (table.size() < limits.max_connections) return;
        if (!closed_fifo.empty()) {
            erase(table.find(closed_fifo.front()));
            return;
        }
        count(TcpAnomaly::connection_table_full);
        auto victim = table.find(active_lru.back());
        finish(victim->second, nullptr);
        erase(victim);
    }

    void touch(Connection& conn, Timestamp ts) {
        conn.last_seen = std::max(conn.last_seen, ts);
        active_lru.splice(active_lru.begin(), active_lru, conn.order);
    }

    // Flushes what is held (after reporting the holes) and tells the handler the stream ended.
    void finish(Connection& conn, const TransportPayload* trigger) {
        if (conn.handler) {
            flush(conn, Direction::from_originator, trigger);
            flush(conn, Direction::from_responder, trigger);
            conn.handler->on_close();
            conn.handler.reset();
        }
        for (auto& stream : conn.streams) release_held(stream);
    }

    void close_to_linger(Connection& conn, const TransportPayload* trigger) {
        finish(conn, trigger);
        conn.state = ConnState::closed;
        if (trigger) conn.last_seen = trigger->ts;
        closed_fifo.splice(closed_fifo.end(), active_lru, conn.order);
    }

    void erase(Table::iterator it) {
        auto& list = it->second.state == ConnState::active ? active_lru : closed_fifo;
        list.erase(it->second.order);
        release_held(it->second.streams[0]);
        release_held(it->second.streams[1]);
        table.erase(it);
    }

    void release_held(StreamState& stream) {
        total_held_bytes -= stream.held_bytes;
        stream.held_bytes = 0;
        stream.held.clear();
    }

    void expire(Timestamp now) {
        while (!closed_fifo.empty()) {
            auto it = table.find(closed_fifo.front());
            if (!elapsed(it->second.last_seen, now, limits.closed_linger)) break;
            erase(it);
        }
        while (!active_lru.empty()) {
            auto it = table.find(active_lru.back());
            if (!elapsed(it->second.last_seen, now, limits.idle_timeout)) break;
            finish(it->second, nullptr);
            erase(it);
        }
    }

    void close_all() {
        // Oldest first, so the order of on_close calls does not depend on hashing.
        for (auto key = active_lru.rbegin(); key != active_lru.rend(); ++key) {
            finish(table.find(*key)->second, nullptr);
        }
        table.clear();
        active_lru.clear();
        closed_fifo.clear();
        total_held_bytes = 0;
    }

    // ---- one direction's bytes ----------------------------------------------------------------

    void handle_segment(Connection& conn, Direction dir, const TransportPayload& segment) {
        StreamState& stream = conn.stream(dir);
        const bool syn = has_flag(segment, tcp_flags::syn);
        if (syn && !stream.started) {
            stream.syn_seen = true;
            stream.isn = segment.tcp_seq;
            stream.start_at(segment.tcp_seq + 1);
        }
        if (has_flag(segment, tcp_flags::fin)) stream.fin_seen = true;
        if (!conn.handler || segment.payload.empty()) return;
        const std::uint32_t data_seq = segment.tcp_seq + (syn ? 1u : 0u);
        if (!stream.started) stream.start_at(data_seq);
        accept_data(conn, dir, data_seq, segment);
    }

    void accept_data(Connection& conn, Direction dir, std::uint32_t seq,
                     const TransportPayload& segment) {
        StreamState& stream = conn.stream(dir);
        // C++20 defines the unsigned-to-signed conversion as modular: this is the wraparound-safe
        // distance from the expected sequence number.
        const auto distance =
            static_cast<std::int64_t>(static_cast<std::int32_t>(seq - stream.next_seq()));
        if (distance > kMaxWindow || distance < -kMaxWindow) {
            count(TcpAnomaly::segment_out_of_window);
            return;
        }
        ByteView bytes = segment.payload;
        bool repeated = false;
        if (distance < 0) {
            const auto behind = static_cast<std::size_t>(-distance);
            repeated = true;
            if (behind >= bytes.size()) {
                ++counters.retransmissions;
                return;
            }
            bytes = bytes.subspan(behind);
        }
        std::uint64_t start =
            stream.next + static_cast<std::uint64_t>(std::max<std::int64_t>(distance, 0));
        place_bytes(conn, dir, start, bytes, segment, repeated);
        if (repeated) ++counters.retransmissions;
    }

    // Delivers, holds or trims `bytes` (at stream offset `start`) until every byte is placed.
    // Each pass either delivers bytes, holds them, or releases held ranges, so it terminates.
    void place_bytes(Connection& conn, Direction dir, std::uint64_t start, ByteView bytes,
                     const TransportPayload& segment, bool& repeated) {
        StreamState& stream = conn.stream(dir);
        while (!bytes.empty()) {
            if (start < stream.next) {
                const std::uint64_t behind = stream.next - start;
                repeated = true;
                if (behind >= bytes.size()) return;
                bytes = bytes.subspan(static_cast<std::size_t>(behind));
                start = stream.next;
            }
            if (start == stream.next) {
                deliver_in_order(conn, dir, start, bytes, segment, repeated);
                continue;
            }
            const HoldResult result = try_hold(stream, start, bytes, segment, repeated);
            if (result == HoldResult::held) return;
            count(result == HoldResult::over_total_limit ? TcpAnomaly::total_pending_limit_exceeded
                                                         : TcpAnomaly::pending_limit_exceeded);
            skip_hole(conn, dir, start, &segment);
        }
    }

    // Delivers from the segment itself up to the first held range; bytes overlapping held ranges
    // lose to the held copy, which is then released.
    void deliver_in_order(Connection& conn, Direction dir, std::uint64_t& start, ByteView& bytes,
                          const TransportPayload& segment, bool& repeated) {
        StreamState& stream = conn.stream(dir);
        std::size_t room = bytes.size();
        if (!stream.held.empty()) {
            room = static_cast<std::size_t>(
                std::min<std::uint64_t>(room, stream.held.begin()->first - stream.next));
        }
        emit(conn, dir, bytes.first(room),
             SegmentMeta{segment.ts, segment.packet_number, &segment});
        stream.next += room;
        start += room;
        bytes = bytes.subspan(room);
        if (bytes.empty()) {
            release_contiguous(conn, dir, &segment);  // the hole before the held data may be filled
            return;
        }
        repeated = true;
        const auto covered = static_cast<std::size_t>(
            std::min<std::uint64_t>(bytes.size(), contiguous_held_end(stream) - start));
        if (differs_from_held(stream, start, bytes.first(covered))) {
            count(TcpAnomaly::overlap_mismatch);
        }
        release_contiguous(conn, dir, &segment);
    }

    HoldResult try_hold(StreamState& stream, std::uint64_t start, ByteView bytes,
                        const TransportPayload& segment, bool& repeated) {
        HoldPlan plan = plan_hold(stream, start, bytes);
        if (stream.held_bytes + plan.new_bytes > limits.max_pending_bytes_per_direction ||
            stream.held.size() + plan.pieces.size() > limits.max_pending_segments_per_direction) {
            return HoldResult::over_direction_limit;
        }
        if (total_held_bytes + plan.new_bytes > limits.max_pending_bytes_total) {
            return HoldResult::over_total_limit;
        }
        if (plan.overlaps_held) repeated = true;
        if (plan.mismatch) count(TcpAnomaly::overlap_mismatch);
        for (const auto& [offset, length] : plan.pieces) {
            const auto piece = bytes.subspan(offset, length);
            stream.held.emplace(start + offset,
                                HeldBytes{std::vector<std::uint8_t>(piece.begin(), piece.end()),
                                          segment.ts, segment.packet_number});
        }
        stream.held_bytes += plan.new_bytes;
        total_held_bytes += plan.new_bytes;
        if (!plan.pieces.empty()) ++counters.out_of_order;
        return HoldResult::held;
    }

    // The queue is full: the oldest hole (before the held data, or before the new segment if that
    // comes first) will not be waited for any longer.
    void skip_hole(Connection& conn, Direction dir, std::uint64_t segment_start,
                   const TransportPayload* trigger) {
        StreamState& stream = conn.stream(dir);
        if (stream.held.empty() || segment_start < stream.held.begin()->first) {
            report_gap(conn, dir, segment_start - stream.next);
            stream.next = segment_start;
            return;
        }
        report_gap(conn, dir, stream.held.begin()->first - stream.next);
        stream.next = stream.held.begin()->first;
        release_contiguous(conn, dir, trigger);
    }

    // Delivers every held range, reporting the holes between them.
    void flush(Connection& conn, Direction dir, const TransportPayload* trigger) {
        StreamState& stream = conn.stream(dir);
        while (!stream.held.empty()) {
            const std::uint64_t lowest = stream.held.begin()->first;
            if (lowest > stream.next) {
                report_gap(conn, dir, lowest - stream.next);
                stream.next = lowest;
            }
            release_contiguous(conn, dir, trigger);
        }
    }

    // Delivers held ranges that now start at (or before) the next expected offset.
    void release_contiguous(Connection& conn, Direction dir, const TransportPayload* trigger) {
        StreamState& stream = conn.stream(dir);
        while (!stream.held.empty() && stream.held.begin()->first <= stream.next) {
            auto node = stream.held.begin();
            const HeldBytes& held = node->second;
            const std::uint64_t end = node->first + held.bytes.size();
            if (end > stream.next) {
                const auto fresh = ByteView(held.bytes).subspan(stream.next - node->first);
                const SegmentMeta meta =
                    trigger ? SegmentMeta{trigger->ts, trigger->packet_number, nullptr}
                            : SegmentMeta{held.ts, held.packet_number, nullptr};
                emit(conn, dir, fresh, meta);
                stream.next = end;
            }
            stream.held_bytes -= held.bytes.size();
            total_held_bytes -= held.bytes.size();
            stream.held.erase(node);
        }
    }

    void emit(Connection& conn, Direction dir, ByteView bytes, const SegmentMeta& meta) {
        if (bytes.empty()) return;
        counters.bytes_delivered += bytes.size();
        conn.handler->on_data(dir, bytes, meta);
    }

    void report_gap(Connection& conn, Direction dir, std::uint64_t missing) {
        if (missing == 0) return;
        ++counters.gaps;
        count(TcpAnomaly::gap_skipped);
        conn.handler->on_gap(dir, static_cast<std::size_t>(missing));
    }

    void append_stats(StatsReport& report) const {
        report.add("tcp.connections", counters.connections);
        report.add("tcp.connections_ignored", counters.connections_ignored);
        report.add("tcp.bytes_delivered", counters.bytes_delivered);
        report.add("tcp.gaps", counters.gaps);
        report.add("tcp.retransmissions", counters.retransmissions);
        report.add("tcp.out_of_order", counters.out_of_order);
        report.add("tcp.active", active_lru.size());
        report.add("tcp.pending_bytes", total_held_bytes);
        anomalies.append_to(report);
    }
};

TcpReassembler::TcpReassembler(const TcpLimits& limits, StreamHandlerFactory& factory)
    : impl_(std::make_unique<Impl>(limits, factory)) {}

TcpReassembler::~TcpReassembler() = default;

void TcpReassembler::on_segment(const TransportPayload& segment) { impl_->on_segment(segment); }

void TcpReassembler::expire(Timestamp now) { impl_->expire(now); }

void TcpReassembler::close_all() { impl_->close_all(); }

void TcpReassembler::append_stats(StatsReport& report) const { impl_->append_stats(report); }

}  // namespace scamgate::net
