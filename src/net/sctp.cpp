#include "net/sctp.h"

#include <algorithm>
#include <array>
#include <list>
#include <optional>
#include <tuple>
#include <string>
#include <unordered_map>
#include <vector>

namespace scamgate::net {
namespace {

namespace chunk_type {
constexpr std::uint8_t data = 0, abort = 6, shutdown = 7, shutdown_ack = 8,
                       shutdown_complete = 14, idata = 64;
}

constexpr std::uint8_t kFlagEnd = 0x01, kFlagBegin = 0x02, kFlagUnordered = 0x04;
constexpr std::uint8_t kFlagTagReflected = 0x01;  // ABORT, SHUTDOWN COMPLETE: the T bit
constexpr std::size_t kCommonHeader = 12;
constexpr std::size_t kChunkHeader = 4;
constexpr std::size_t kDataHeader = 16;   // chunk header, TSN, stream, SSN, PPID
constexpr std::size_t kIDataHeader = 20;  // chunk header, TSN, stream, reserved, MID, PPID/FSN
// TSNs remembered per direction to tell retransmissions (8 bytes each, filled as TSNs arrive). A
// retransmission older than this is delivered again; the call tracker absorbs a repeated SIP message.
constexpr std::size_t kDuplicateWindow = 128;

constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t crc = i;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? 0x82F63B78u : 0u);
        table[i] = crc;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> kCrc32cTable = make_crc32c_table();

std::uint32_t crc32c_update(std::uint32_t crc, ByteView data) {
    for (std::uint8_t byte : data) crc = kCrc32cTable[(crc ^ byte) & 0xFFu] ^ (crc >> 8);
    return crc;
}

// FNV-1a: a fingerprint of a chunk's user data, to tell a retransmission from a conflicting copy.
std::uint32_t fingerprint(ByteView data) {
    std::uint32_t hash = 0x811c9dc5u;
    for (std::uint8_t byte : data) hash = (hash ^ byte) * 0x01000193u;
    return hash ^ static_cast<std::uint32_t>(data.size());
}

std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

// One DATA or I-DATA chunk, parsed.
struct DataChunk {
    bool idata = false;
    std::uint8_t flags = 0;
    std::uint32_t tsn = 0;
    std::uint16_t stream = 0;
    std::uint32_t sequence = 0;  // DATA: stream sequence number; I-DATA: message id
    std::uint32_t ppid = 0;      // DATA, and I-DATA with B; 0 otherwise
    std::uint32_t fsn = 0;       // I-DATA: fragment sequence number (0 with B)
    ByteView user_data;
    std::size_t offset = 0;      // of the user data inside the SCTP packet

    bool begins() const { return (flags & kFlagBegin) != 0; }
    bool ends() const { return (flags & kFlagEnd) != 0; }
    bool unordered() const { return (flags & kFlagUnordered) != 0; }
    bool whole() const { return begins() && ends(); }
};

// A fragment held until its message is complete (the chunk's fields and a copy of its data).
struct Fragment {
    bool idata = false;
    std::uint8_t flags = 0;
    std::uint32_t tsn = 0;
    std::uint16_t stream = 0;
    std::uint32_t sequence = 0;
    std::uint32_t ppid = 0;
    std::uint32_t fsn = 0;
    std::vector<std::uint8_t> bytes;
    Timestamp arrived = 0;

    bool begins() const { return (flags & kFlagBegin) != 0; }
    bool ends() const { return (flags & kFlagEnd) != 0; }
    bool unordered() const { return (flags & kFlagUnordered) != 0; }
    // True when `other` may be the next (or previous) DATA fragment of the same message.
    bool same_message(const Fragment& other) const {
        return idata == other.idata && stream == other.stream && unordered() == other.unordered() &&
               (unordered() || sequence == other.sequence);
    }
};

struct SeenTsn {
    std::uint32_t tsn = 0;
    std::uint32_t print = 0;
};

// One direction of an association: the verification tag its packets carry, the fragments held
// and the TSNs recently seen.
struct Direction {
    bool active = false;
    std::uint32_t vtag = 0;
    std::vector<Fragment> pending;
    std::size_t pending_bytes = 0;
    std::vector<SeenTsn> seen;  // a ring of up to kDuplicateWindow entries
    std::size_t seen_next = 0;

    const SeenTsn* find_seen(std::uint32_t tsn) const {
        for (const auto& s : seen) {
            if (s.tsn == tsn) return &s;
        }
        return nullptr;
    }
    void remember(std::uint32_t tsn, std::uint32_t print) {
        if (seen.size() < kDuplicateWindow) {
            seen.push_back(SeenTsn{tsn, print});
            return;
        }
        seen[seen_next] = SeenTsn{tsn, print};
        seen_next = (seen_next + 1) % seen.size();
    }
};

// The two endpoints in a fixed order, so both directions find one association.
struct AssociationKey {
    FlowTuple tuple;
    bool operator==(const AssociationKey&) const = default;
};

struct AssociationKeyHash {
    std::size_t operator()(const AssociationKey& k) const noexcept { return k.tuple.hash(); }
};

AssociationKey key_of(const FlowTuple& tuple, bool& reversed) {
    const bool keep = std::tie(tuple.src, tuple.src_port) < std::tie(tuple.dst, tuple.dst_port);
    reversed = !keep;
    return AssociationKey{keep ? tuple : tuple.reversed()};
}

}  // namespace

AnomalyInfo describe(SctpAnomaly anomaly) {
    switch (anomaly) {
        case SctpAnomaly::bad_checksum: return {"sctp.bad_checksum", "CRC32c does not match (the receiver would discard the packet); processed anyway"};
        case SctpAnomaly::truncated_chunk: return {"sctp.truncated_chunk", "chunk header or chunk length beyond the packet; the rest of the packet is skipped"};
        case SctpAnomaly::bad_chunk_length: return {"sctp.bad_chunk_length", "chunk length below its chunk type's header; the rest of the packet is skipped"};
        case SctpAnomaly::empty_data_chunk: return {"sctp.empty_data_chunk", "DATA or I-DATA chunk without user data"};
        case SctpAnomaly::verification_tag_mismatch: return {"sctp.verification_tag_mismatch", "verification tag differs from the association's while a message is being reassembled, or an ABORT/SHUTDOWN COMPLETE with a tag of neither side"};
        case SctpAnomaly::tsn_conflict: return {"sctp.tsn_conflict", "a TSN seen again with different data; both copies processed"};
        case SctpAnomaly::fragment_mismatch: return {"sctp.fragment_mismatch", "consecutive fragments disagree on stream, order flag or sequence number"};
        case SctpAnomaly::message_too_large: return {"sctp.message_too_large", "fragments held for one direction exceed sctp.max_message_size; dropped"};
        case SctpAnomaly::too_many_fragments: return {"sctp.too_many_fragments", "more fragments held for one direction than sctp.max_pending_fragments; dropped"};
        case SctpAnomaly::association_table_full: return {"sctp.association_table_full", "least recently active association evicted to stay within sctp.max_associations"};
        case SctpAnomaly::fragment_timeout: return {"sctp.fragment_timeout", "fragments of an incomplete user message dropped at sctp.fragment_timeout"};
        case SctpAnomaly::total_pending_limit_exceeded: return {"sctp.total_pending_limit_exceeded", "fragment bytes held across all associations at their bound; the fragment is dropped"};
        case SctpAnomaly::incomplete_at_close: return {"sctp.incomplete_at_close", "ABORT, SHUTDOWN, eviction or the end of the capture left a user message incomplete"};
        case SctpAnomaly::count_: break;
    }
    return {"sctp.unknown", "unknown SCTP anomaly"};
}

std::uint32_t crc32c(ByteView data) { return ~crc32c_update(0xFFFFFFFFu, data); }

std::uint32_t sctp_checksum(ByteView sctp) {
    if (sctp.size() < kCommonHeader) return 0;
    constexpr std::array<std::uint8_t, 4> kZero{};
    std::uint32_t crc = crc32c_update(0xFFFFFFFFu, sctp.first(8));
    crc = crc32c_update(crc, kZero);
    return ~crc32c_update(crc, sctp.subspan(kCommonHeader));
}

std::uint32_t stored_sctp_checksum(ByteView sctp) {
    if (sctp.size() < kCommonHeader) return 0;
    return load_le32(sctp.data() + 8);
}

void store_sctp_checksum(std::span<std::uint8_t> sctp) {
    if (sctp.size() < kCommonHeader) return;
    const std::uint32_t crc = sctp_checksum(ByteView(sctp.data(), sctp.size()));
    for (std::size_t i = 0; i < 4; ++i) sctp[8 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

struct SctpAssembler::Impl {
    struct Association {
        std::array<Direction, 2> sides;  // [0]: from the key's src, [1]: from its dst
        Timestamp last_seen = 0;
        std::list<AssociationKey>::iterator lru;
    };

    struct Counters {
        std::uint64_t chunks = 0, data_chunks = 0, messages = 0, fragmented = 0, retransmissions = 0,
                      zero_checksums = 0, associations = 0;
    };

    Impl(const SctpLimits& l, SctpMessageSink& s) : limits(l), sink(s) {}

    SctpLimits limits;
    SctpMessageSink& sink;
    std::size_t pending_total = 0;  // fragment bytes held across all associations
    std::unordered_map<AssociationKey, Association, AssociationKeyHash> associations;
    std::list<AssociationKey> lru;  // most recently active first
    Counters counters;
    AnomalyCounts<SctpAnomaly> anomalies;

    // The packet being processed.
    const TransportPayload* packet = nullptr;
    std::uint32_t vtag = 0;

    void count(SctpAnomaly anomaly) {
        anomalies.add(anomaly);
        sink.on_sctp_anomaly(describe(anomaly));
    }

    void on_packet(const TransportPayload& p) {
        const ByteView sctp = p.payload;
        if (sctp.size() < kCommonHeader) return;  // the decoder counted sctp.truncated_header
        packet = &p;
        vtag = load_be32(sctp.data() + 4);
        check_checksum(sctp, p.truncated);
        walk_chunks(sctp);
        packet = nullptr;
    }

    void check_checksum(ByteView sctp, bool truncated) {
        if (truncated) return;  // the bytes it covers were not all captured
        const std::uint32_t stored = stored_sctp_checksum(sctp);
        if (stored == 0) {
            ++counters.zero_checksums;
        } else if (stored != sctp_checksum(sctp)) {
            count(SctpAnomaly::bad_checksum);
        }
    }

    void walk_chunks(ByteView sctp) {
        std::size_t offset = kCommonHeader;
        while (sctp.size() - offset >= kChunkHeader) {
            const std::uint8_t type = sctp[offset];
            const std::uint8_t flags = sctp[offset + 1];
            const std::size_t length = load_be16(sctp.data() + offset + 2);
            ++counters.chunks;
            if (length < kChunkHeader) return count(SctpAnomaly::bad_chunk_length);
            if (length > sctp.size() - offset) {
                // Cut by the snaplen: a whole message's captured part still goes up, as for UDP.
                if (packet->truncated) on_data_chunk(type, flags, sctp, offset, sctp.size() - offset, true);
                else count(SctpAnomaly::truncated_chunk);
                return;
            }
            if (!on_chunk(type, flags, sctp, offset, length)) return;
            offset += std::min(padded(length), sctp.size() - offset);
        }
        // Fewer than 4 bytes left: the last chunk's padding (or nothing); Linux ignores it too.
    }

    // False when the rest of the packet must be skipped.
    bool on_chunk(std::uint8_t type, std::uint8_t flags, ByteView sctp, std::size_t offset, std::size_t length) {
        switch (type) {
            case chunk_type::data:
            case chunk_type::idata:
                return on_data_chunk(type, flags, sctp, offset, length, false);
            case chunk_type::abort:
            case chunk_type::shutdown_complete:
                end_association((flags & kFlagTagReflected) != 0);
                return false;  // nothing after these is processed by the receiver either
            case chunk_type::shutdown:
            case chunk_type::shutdown_ack:
                end_direction();
                return true;
            default:
                return true;  // INIT, INIT ACK, SACK, HEARTBEAT, COOKIE, ERROR, ...: not user data
        }
    }

    bool on_data_chunk(std::uint8_t type, std::uint8_t flags, ByteView sctp, std::size_t offset, std::size_t length,
                       bool cut) {
        const bool idata = type == chunk_type::idata;
        const std::size_t header = idata ? kIDataHeader : kDataHeader;
        if (type != chunk_type::data && type != chunk_type::idata) return false;
        if (length < header) {
            if (!cut) count(SctpAnomaly::bad_chunk_length);
            return false;
        }
        ++counters.data_chunks;
        const std::uint8_t* h = sctp.data() + offset;
        DataChunk chunk;
        chunk.idata = idata;
        chunk.flags = flags;
        chunk.tsn = load_be32(h + 4);
        chunk.stream = load_be16(h + 8);
        if (idata) {
            chunk.sequence = load_be32(h + 12);
            (chunk.begins() ? chunk.ppid : chunk.fsn) = load_be32(h + 16);
        } else {
            chunk.sequence = load_be16(h + 10);
            chunk.ppid = load_be32(h + 12);
        }
        chunk.offset = offset + header;
        chunk.user_data = sctp.subspan(chunk.offset, length - header);
        if (chunk.user_data.empty()) {
            if (!cut) count(SctpAnomaly::empty_data_chunk);
            return true;
        }
        if (cut && !chunk.whole()) return false;  // a cut fragment would corrupt its message
        on_data(chunk);
        return true;
    }

    // ---- associations ----

    Association& association(bool& reversed) {
        const AssociationKey key = key_of(packet->tuple, reversed);
        auto it = associations.find(key);
        if (it != associations.end()) {
            lru.splice(lru.begin(), lru, it->second.lru);
            it->second.last_seen = packet->ts;
            return it->second;
        }
        if (associations.size() >= limits.max_associations && !lru.empty()) {
            count(SctpAnomaly::association_table_full);
            forget(lru.back());
        }
        ++counters.associations;
        lru.push_front(key);
        Association& a = associations[key];
        a.lru = lru.begin();
        a.last_seen = packet->ts;
        return a;
    }

    Association* find_association(bool& reversed) {
        auto it = associations.find(key_of(packet->tuple, reversed));
        return it == associations.end() ? nullptr : &it->second;
    }

    void drop_pending(Direction& side) {
        pending_total -= side.pending_bytes;
        side.pending.clear();
        side.pending_bytes = 0;
    }

    void forget(const AssociationKey key) {
        auto it = associations.find(key);
        if (it == associations.end()) return;
        for (auto& side : it->second.sides) {
            if (!side.pending.empty()) count(SctpAnomaly::incomplete_at_close);
            drop_pending(side);
        }
        lru.erase(it->second.lru);
        associations.erase(it);
    }

    // ABORT or SHUTDOWN COMPLETE: accepted when its tag is the receiver's (T clear) or the
    // sender's own (T set), as the receiver checks it (RFC 9260 8.5.1).
    void end_association(bool tag_reflected) {
        bool reversed = false;
        Association* a = find_association(reversed);
        if (a == nullptr) return;
        const Direction& expected = a->sides[(reversed ? 1u : 0u) ^ (tag_reflected ? 1u : 0u)];
        if (expected.active && expected.vtag != vtag) return count(SctpAnomaly::verification_tag_mismatch);
        bool unused = false;
        forget(key_of(packet->tuple, unused));
    }

    // SHUTDOWN or SHUTDOWN ACK: its sender has no more data to send.
    void end_direction() {
        bool reversed = false;
        Association* a = find_association(reversed);
        if (a == nullptr) return;
        Direction& side = a->sides[reversed ? 1 : 0];
        if (!side.active || side.vtag != vtag) return;
        if (!side.pending.empty()) count(SctpAnomaly::incomplete_at_close);
        drop_pending(side);
    }

    // ---- user data ----

    void on_data(const DataChunk& chunk) {
        bool reversed = false;
        Association& a = association(reversed);
        Direction& side = a.sides[reversed ? 1 : 0];
        if (!side.active || side.vtag != vtag) {
            if (side.active && !side.pending.empty()) {
                // Another tag while a message is in progress: do not let it disturb that state.
                count(SctpAnomaly::verification_tag_mismatch);
                if (chunk.whole()) deliver(chunk.user_data, chunk, false);
                return;
            }
            side = Direction{};
            side.active = true;
            side.vtag = vtag;
        }
        const std::uint32_t print = fingerprint(chunk.user_data);
        if (const SeenTsn* seen = side.find_seen(chunk.tsn)) {
            if (seen->print == print) {
                ++counters.retransmissions;
                return;
            }
            count(SctpAnomaly::tsn_conflict);
            if (chunk.whole()) deliver(chunk.user_data, chunk, false);
            return;
        }
        side.remember(chunk.tsn, print);
        if (chunk.whole()) return deliver(chunk.user_data, chunk, false);
        hold(side, chunk);
    }

    void hold(Direction& side, const DataChunk& chunk) {
        if (side.pending.size() >= limits.max_pending_fragments) {
            count(SctpAnomaly::too_many_fragments);
            drop_pending(side);
        }
        if (side.pending_bytes + chunk.user_data.size() > limits.max_message_size) {
            count(SctpAnomaly::message_too_large);
            drop_pending(side);
            if (chunk.user_data.size() > limits.max_message_size) return;
        }
        if (pending_total + chunk.user_data.size() > limits.max_pending_bytes_total) {
            count(SctpAnomaly::total_pending_limit_exceeded);
            return;
        }
        if (!chunk.idata) {  // an older copy of this TSN that fell out of the duplicate window
            if (auto old = find_tsn(side, chunk.tsn)) {
                side.pending_bytes -= side.pending[*old].bytes.size();
                pending_total -= side.pending[*old].bytes.size();
                side.pending.erase(side.pending.begin() + static_cast<std::ptrdiff_t>(*old));
            }
        }
        Fragment f;
        f.idata = chunk.idata;
        f.flags = chunk.flags;
        f.tsn = chunk.tsn;
        f.stream = chunk.stream;
        f.sequence = chunk.sequence;
        f.ppid = chunk.ppid;
        f.fsn = chunk.fsn;
        f.bytes.assign(chunk.user_data.begin(), chunk.user_data.end());
        f.arrived = packet->ts;
        side.pending_bytes += f.bytes.size();
        pending_total += f.bytes.size();
        side.pending.push_back(std::move(f));
        auto run = chunk.idata ? idata_run(side, side.pending.back()) : data_run(side, side.pending.back());
        if (run) assemble(side, *run);
    }

    std::optional<std::size_t> find_tsn(const Direction& side, std::uint32_t tsn) const {
        for (std::size_t i = 0; i < side.pending.size(); ++i) {
            if (!side.pending[i].idata && side.pending[i].tsn == tsn) return i;
        }
        return std::nullopt;
    }

    // The fragments (indexes into pending, in order) of the DATA message `f` belongs to, when all
    // of them are here: consecutive TSNs from one with B to one with E (RFC 9260 6.9).
    std::optional<std::vector<std::size_t>> data_run(const Direction& side, const Fragment& f) {
        std::vector<std::size_t> before;
        std::uint32_t tsn = f.tsn;
        const Fragment* at = &f;
        while (!at->begins()) {
            auto i = find_tsn(side, --tsn);
            if (!i) return std::nullopt;
            if (!consistent(*at, side.pending[*i], true)) return std::nullopt;
            before.push_back(*i);
            at = &side.pending[*i];
        }
        std::vector<std::size_t> run(before.rbegin(), before.rend());
        run.push_back(*find_tsn(side, f.tsn));
        tsn = f.tsn;
        at = &f;
        while (!at->ends()) {
            auto i = find_tsn(side, ++tsn);
            if (!i) return std::nullopt;
            if (!consistent(*at, side.pending[*i], false)) return std::nullopt;
            run.push_back(*i);
            at = &side.pending[*i];
        }
        return run;
    }

    // `neighbour` follows (or, with `backwards`, precedes) `at` in TSN order: it must belong to
    // the same message and not close it before `at`.
    bool consistent(const Fragment& at, const Fragment& neighbour, bool backwards) {
        const bool boundary = backwards ? neighbour.ends() : neighbour.begins();
        if (!boundary && at.same_message(neighbour)) return true;
        count(SctpAnomaly::fragment_mismatch);
        return false;
    }

    // I-DATA (RFC 8260): the fragments with f's stream, U flag and message id, FSN 0 (B) to E.
    std::optional<std::vector<std::size_t>> idata_run(const Direction& side, const Fragment& f) const {
        std::vector<std::size_t> run;
        for (std::uint32_t fsn = 0;; ++fsn) {
            std::optional<std::size_t> found;
            for (std::size_t i = 0; i < side.pending.size() && !found; ++i) {
                const Fragment& g = side.pending[i];
                const bool first = g.begins();
                if (g.idata && g.stream == f.stream && g.unordered() == f.unordered() && g.sequence == f.sequence &&
                    (first ? fsn == 0 : g.fsn == fsn && fsn != 0)) {
                    found = i;
                }
            }
            if (!found) return std::nullopt;
            run.push_back(*found);
            if (side.pending[*found].ends()) return run;
            if (run.size() > side.pending.size()) return std::nullopt;
        }
    }

    void assemble(Direction& side, const std::vector<std::size_t>& run) {
        std::vector<std::uint8_t> message;
        for (std::size_t i : run) message.insert(message.end(), side.pending[i].bytes.begin(), side.pending[i].bytes.end());
        DataChunk first;
        const Fragment& head = side.pending[run.front()];
        first.idata = head.idata;
        first.flags = head.flags;
        first.stream = head.stream;
        first.ppid = head.ppid;
        std::vector<bool> used(side.pending.size(), false);
        for (std::size_t i : run) used[i] = true;
        std::vector<Fragment> rest;
        for (std::size_t i = 0; i < side.pending.size(); ++i) {
            if (!used[i]) rest.push_back(std::move(side.pending[i]));
        }
        side.pending = std::move(rest);
        side.pending_bytes -= message.size();
        pending_total -= message.size();
        ++counters.fragmented;
        deliver(ByteView(message.data(), message.size()), first, true);
    }

    void deliver(ByteView bytes, const DataChunk& chunk, bool fragmented) {
        ++counters.messages;
        TransportPayload message = *packet;
        message.payload = bytes;
        message.truncated = packet->truncated && !fragmented;
        SctpMessageInfo info;
        info.stream = chunk.stream;
        info.ppid = chunk.ppid;
        info.unordered = chunk.unordered();
        info.fragmented = fragmented;
        info.idata = chunk.idata;
        if (!fragmented) info.offset_in_packet = static_cast<std::ptrdiff_t>(chunk.offset);
        sink.on_sctp_message(message, info);
    }

    // ---- time ----

    void expire(Timestamp now) {
        std::vector<AssociationKey> idle;
        for (auto& [key, a] : associations) {
            if (now - a.last_seen > limits.idle_timeout) {
                idle.push_back(key);
                continue;
            }
            for (auto& side : a.sides) expire_fragments(side, now);
        }
        for (const auto& key : idle) forget(key);
    }

    void expire_fragments(Direction& side, Timestamp now) {
        const auto old = [&](const Fragment& f) { return now - f.arrived > limits.fragment_timeout; };
        if (std::none_of(side.pending.begin(), side.pending.end(), old)) return;
        count(SctpAnomaly::fragment_timeout);
        std::erase_if(side.pending, old);
        pending_total -= side.pending_bytes;
        side.pending_bytes = 0;
        for (const auto& f : side.pending) side.pending_bytes += f.bytes.size();
        pending_total += side.pending_bytes;
    }

    void clear() {
        while (!lru.empty()) forget(lru.back());
    }

    void append_stats(StatsReport& report) const {
        report.add("sctp.chunks", counters.chunks);
        report.add("sctp.data_chunks", counters.data_chunks);
        report.add("sctp.messages", counters.messages);
        report.add("sctp.fragmented_messages", counters.fragmented);
        report.add("sctp.retransmissions", counters.retransmissions);
        report.add("sctp.zero_checksums", counters.zero_checksums);
        report.add("sctp.associations", counters.associations);
        report.add("sctp.active_associations", associations.size());
        report.add("sctp.pending_bytes", pending_total);
        anomalies.append_to(report);
    }
};

SctpAssembler::SctpAssembler(const SctpLimits& limits, SctpMessageSink& sink)
    : impl_(std::make_unique<Impl>(limits, sink)) {}

SctpAssembler::~SctpAssembler() = default;

void SctpAssembler::on_packet(const TransportPayload& packet) { impl_->on_packet(packet); }

void SctpAssembler::expire(Timestamp now) { impl_->expire(now); }

void SctpAssembler::clear() { impl_->clear(); }

void SctpAssembler::append_stats(StatsReport& report) const { impl_->append_stats(report); }

}  // namespace scamgate::net
