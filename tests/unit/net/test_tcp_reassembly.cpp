#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "net/tcp_reassembly.h"
#include "stats_test_support.h"

namespace scamgate::net {
namespace {

using namespace std::string_literals;
using test_support::counter;

constexpr std::uint8_t kSyn = tcp_flags::syn;
constexpr std::uint8_t kAck = tcp_flags::ack;
constexpr std::uint8_t kFin = tcp_flags::fin | tcp_flags::ack;
constexpr std::uint8_t kRst = tcp_flags::rst;

// What one connection's handler saw, kept by the factory so it outlives the handler.
struct ConnectionLog {
    TcpConnectionInfo info;
    std::string from_originator;  // delivered bytes, gaps shown as '#' per missing byte
    std::string from_responder;
    std::vector<std::size_t> gaps;
    std::vector<SegmentMeta> metas;
    int closes = 0;

    std::string& text(Direction dir) {
        return dir == Direction::from_originator ? from_originator : from_responder;
    }
};

class LoggingHandler : public StreamHandler {
public:
    explicit LoggingHandler(ConnectionLog& log) : log_(log) {}
    void on_data(Direction dir, ByteView bytes, const SegmentMeta& meta) override {
        CHECK(log_.closes == 0);
        log_.text(dir) += as_text(bytes);
        log_.metas.push_back(meta);
    }
    void on_gap(Direction dir, std::size_t missing) override {
        log_.text(dir) += std::string(missing, '#');
        log_.gaps.push_back(missing);
    }
    void on_close() override { ++log_.closes; }

private:
    ConnectionLog& log_;
};

class LoggingFactory : public StreamHandlerFactory {
public:
    bool ignore_all = false;
    std::deque<ConnectionLog> logs;  // deque: references stay valid as connections open
    std::vector<std::string> anomalies;
    int opens = 0;

    std::unique_ptr<StreamHandler> open(const TcpConnectionInfo& info,
                                        const TransportPayload&) override {
        ++opens;
        if (ignore_all) return nullptr;
        logs.emplace_back().info = info;
        return std::make_unique<LoggingHandler>(logs.back());
    }
    void on_anomaly(const AnomalyInfo& anomaly) override { anomalies.emplace_back(anomaly.name); }
};

FlowTuple make_tuple(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
    return FlowTuple{*IpAddress::parse(src), *IpAddress::parse(dst), sport, dport, IpProto::tcp};
}

const FlowTuple kClient = make_tuple("10.0.0.1", 40000, "10.0.0.2", 5060);
const FlowTuple kServer = kClient.reversed();

struct Segments {
    std::uint64_t packet_number = 0;
    Timestamp ts = seconds(1000);

    TransportPayload make(const FlowTuple& tuple, std::uint32_t seq, std::uint8_t flags,
                          std::string_view payload) {
        TransportPayload segment;
        segment.ts = ts;
        segment.packet_number = ++packet_number;
        segment.tuple = tuple;
        segment.tcp_seq = seq;
        segment.tcp_flags = flags;
        segment.payload = as_bytes(payload);
        return segment;
    }
};

struct Fixture {
    TcpLimits limits;
    LoggingFactory factory;
    Segments segments;

    Fixture() {
        limits.max_pending_bytes_per_direction = 64;
        limits.max_pending_segments_per_direction = 4;
    }
    TcpReassembler make() { return TcpReassembler(limits, factory); }
};

// Sends data with flags ACK|PSH, the common case.
void send(TcpReassembler& tcp, Segments& segments, const FlowTuple& tuple, std::uint32_t seq,
          std::string_view payload, std::uint8_t flags = kAck) {
    tcp.on_segment(segments.make(tuple, seq, flags, payload));
}

void handshake(TcpReassembler& tcp, Segments& s, std::uint32_t client_isn,
               std::uint32_t server_isn) {
    send(tcp, s, kClient, client_isn, "", kSyn);
    send(tcp, s, kServer, server_isn, "", kSyn | kAck);
    send(tcp, s, kClient, client_isn + 1, "", kAck);
}

StatsReport stats_of(const TcpReassembler& tcp) {
    StatsReport report;
    tcp.append_stats(report);
    return report;
}

}  // namespace

TEST_CASE("tcp: in-order data after a handshake is delivered per direction without copies") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 100, 5000);
    auto request = f.segments.make(kClient, 101, kAck, "INVITE ");
    tcp.on_segment(request);
    send(tcp, f.segments, kClient, 108, "sip:bob");
    send(tcp, f.segments, kServer, 5001, "SIP/2.0 100");

    REQUIRE(f.factory.logs.size() == 1);
    auto& log = f.factory.logs[0];
    CHECK(log.info.id == 1);
    CHECK(log.info.seen_handshake);
    CHECK(log.info.originator_tuple == kClient);
    CHECK(log.from_originator == "INVITE sip:bob");
    CHECK(log.from_responder == "SIP/2.0 100");
    REQUIRE(log.metas.size() == 3);
    CHECK(log.metas[0].segment == &request);
    CHECK(log.metas[0].packet_number == 4);
    auto stats = stats_of(tcp);
    CHECK(stats.at("tcp.connections") == 1);
    CHECK(stats.at("tcp.bytes_delivered") == 25);
    CHECK(stats.at("tcp.active") == 1);
    CHECK(stats.at("tcp.out_of_order") == 0);
    CHECK(stats.at("tcp.retransmissions") == 0);
    CHECK(f.factory.opens == 1);
}

TEST_CASE("tcp: SYN-ACK seen without the SYN makes its receiver the originator") {
    Fixture f;
    auto tcp = f.make();
    send(tcp, f.segments, kServer, 7000, "", kSyn | kAck);
    send(tcp, f.segments, kClient, 300, "REGISTER");
    send(tcp, f.segments, kServer, 7001, "200");
    REQUIRE(f.factory.logs.size() == 1);
    auto& log = f.factory.logs[0];
    CHECK(log.info.originator_tuple == kClient);
    CHECK(log.info.seen_handshake);
    CHECK(log.from_originator == "REGISTER");
    CHECK(log.from_responder == "200");
}

TEST_CASE("tcp: picked up mid-stream, the first sender is the originator") {
    Fixture f;
    auto tcp = f.make();
    send(tcp, f.segments, kServer, 9000, "SIP/2.0 200 OK\r\n");
    send(tcp, f.segments, kClient, 1234, "ACK sip:x");
    send(tcp, f.segments, kServer, 9016, "\r\n");
    REQUIRE(f.factory.logs.size() == 1);
    auto& log = f.factory.logs[0];
    CHECK_FALSE(log.info.seen_handshake);
    CHECK(log.info.originator_tuple == kServer);
    CHECK(log.from_originator == "SIP/2.0 200 OK\r\n\r\n");
    CHECK(log.from_responder == "ACK sip:x");
}

TEST_CASE("tcp: a pure ACK first seen mid-stream does not fix the data start") {
    Fixture f;
    auto tcp = f.make();
    send(tcp, f.segments, kClient, 10, "");
    send(tcp, f.segments, kClient, 500, "abc");
    CHECK(f.factory.logs[0].from_originator == "abc");
    CHECK(f.factory.logs[0].info.originator_tuple == kClient);
}

TEST_CASE("tcp: out of order by one is held, copied and released when the hole fills") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 4, "def");
    auto& log = f.factory.logs[0];
    CHECK(log.from_originator.empty());
    CHECK(stats_of(tcp).at("tcp.pending_bytes") == 3);
    auto filler = f.segments.make(kClient, 1, kAck, "abc");
    filler.ts = seconds(2000);
    tcp.on_segment(filler);
    CHECK(log.from_originator == "abcdef");
    REQUIRE(log.metas.size() == 2);
    CHECK(log.metas[0].segment == &filler);
    CHECK(log.metas[1].segment == nullptr);  // from the held copy
    CHECK(log.metas[1].ts == seconds(2000));
    CHECK(log.metas[1].packet_number == filler.packet_number);
    auto stats = stats_of(tcp);
    CHECK(stats.at("tcp.out_of_order") == 1);
    CHECK(stats.at("tcp.pending_bytes") == 0);
    CHECK(stats.at("tcp.gaps") == 0);
}

TEST_CASE("tcp: many segments in reverse order reassemble exactly") {
    Fixture f;
    f.limits.max_pending_segments_per_direction = 16;
    auto tcp = f.make();
    handshake(tcp, f.segments, 1000, 0);
    const std::string text = "0123456789abcdefghij";
    std::vector<std::string> pieces;
    for (std::size_t i = 0; i < text.size(); i += 2) pieces.push_back(text.substr(i, 2));
    for (std::size_t i = pieces.size(); i-- > 1;) {
        send(tcp, f.segments, kClient, static_cast<std::uint32_t>(1001 + 2 * i), pieces[i]);
    }
    CHECK(f.factory.logs[0].from_originator.empty());
    send(tcp, f.segments, kClient, 1001, pieces[0]);
    CHECK(f.factory.logs[0].from_originator == text);
    CHECK(stats_of(tcp).at("tcp.out_of_order") == 9);
}

TEST_CASE("tcp: shuffled segments with two holes") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 7, "ghi");
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 13, "mno");
    CHECK(f.factory.logs[0].from_originator == "abc");
    send(tcp, f.segments, kClient, 4, "def");
    CHECK(f.factory.logs[0].from_originator == "abcdefghi");
    send(tcp, f.segments, kClient, 10, "jkl");
    CHECK(f.factory.logs[0].from_originator == "abcdefghijklmno");
}

TEST_CASE("tcp: duplicates are dropped and counted") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 7, "ghi");
    send(tcp, f.segments, kClient, 7, "ghi");
    send(tcp, f.segments, kClient, 4, "def");
    CHECK(f.factory.logs[0].from_originator == "abcdefghi");
    auto stats = stats_of(tcp);
    CHECK(stats.at("tcp.retransmissions") == 2);
    CHECK(stats.at("tcp.out_of_order") == 1);
    CHECK(counter<TcpAnomaly>(stats, "anomaly.tcp.overlap_mismatch") == 0);
}

TEST_CASE("tcp: partial overlaps are trimmed to the new bytes") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 1, "abcd");
    send(tcp, f.segments, kClient, 3, "cdefg");   // 2 old bytes, 3 new
    send(tcp, f.segments, kClient, 10, "jkl");    // held
    send(tcp, f.segments, kClient, 9, "ijklmn");  // held around the held copy: i, mn
    send(tcp, f.segments, kClient, 8, "h");
    CHECK(f.factory.logs[0].from_originator == "abcdefghijklmn");
    CHECK(stats_of(tcp).at("tcp.retransmissions") == 2);
    CHECK(stats_of(tcp).at("tcp.bytes_delivered") == 14);
}

TEST_CASE("tcp: an in-order segment spanning a held range delivers around it") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 4, "DE");        // held first: this copy wins
    send(tcp, f.segments, kClient, 1, "abcdefgh");  // in order, overlaps the held range
    CHECK(f.factory.logs[0].from_originator == "abcDEfgh");
    auto stats = stats_of(tcp);
    CHECK(counter<TcpAnomaly>(stats, "anomaly.tcp.overlap_mismatch") == 1);
    CHECK(stats.at("tcp.retransmissions") == 1);
    CHECK(f.factory.anomalies == std::vector<std::string>{"tcp.overlap_mismatch"});
}

TEST_CASE("tcp: overlapping held copies keep the first and count the mismatch") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 5, "EFG");
    send(tcp, f.segments, kClient, 4, "defgh");  // d and h are new, EFG differs
    send(tcp, f.segments, kClient, 1, "abc");
    CHECK(f.factory.logs[0].from_originator == "abcdEFGh");
    CHECK(counter<TcpAnomaly>(stats_of(tcp), "anomaly.tcp.overlap_mismatch") == 1);
    CHECK(stats_of(tcp).at("tcp.out_of_order") == 2);
}

TEST_CASE("tcp: sequence numbers wrap around 2^32") {
    Fixture f;
    auto tcp = f.make();
    const std::uint32_t isn = 0xFFFFFFFAu;  // first data byte at 0xFFFFFFFB
    handshake(tcp, f.segments, isn, 0);
    send(tcp, f.segments, kClient, 0x00000001u, "ghij");    // after the wrap: held
    send(tcp, f.segments, kClient, 0xFFFFFFFBu, "abcdef");  // crosses 2^32
    send(tcp, f.segments, kClient, 0xFFFFFFFFu, "ef");      // old: retransmission
    send(tcp, f.segments, kClient, 0x00000005u, "kl");
    CHECK(f.factory.logs[0].from_originator == "abcdefghijkl");
    CHECK(stats_of(tcp).at("tcp.retransmissions") == 1);
    CHECK(stats_of(tcp).at("tcp.gaps") == 0);
}

TEST_CASE("tcp: pending limit exceeded skips the hole with its exact size") {
    Fixture f;
    f.limits.max_pending_segments_per_direction = 3;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 1, "abc");
    // bytes 4..9 lost for good; 10.. arrive
    send(tcp, f.segments, kClient, 10, "jk");
    send(tcp, f.segments, kClient, 12, "lm");
    send(tcp, f.segments, kClient, 16, "pq");  // a second hole 14..15
    CHECK(f.factory.logs[0].from_originator == "abc");
    send(tcp, f.segments, kClient, 18, "rs");  // fourth held segment: over the limit
    auto& log = f.factory.logs[0];
    CHECK(log.gaps == std::vector<std::size_t>{6});
    CHECK(log.from_originator == "abc######jklm");
    send(tcp, f.segments, kClient, 14, "no");
    CHECK(log.from_originator == "abc######jklmnopqrs");
    auto stats = stats_of(tcp);
    CHECK(stats.at("tcp.gaps") == 1);
    CHECK(counter<TcpAnomaly>(stats, "anomaly.tcp.gap_skipped") == 1);
    CHECK(counter<TcpAnomaly>(stats, "anomaly.tcp.pending_limit_exceeded") == 1);
    CHECK(stats.at("tcp.pending_bytes") == 0);
}

TEST_CASE("tcp: pending byte limit: a new segment below the held data is delivered after the gap") {
    Fixture f;
    f.limits.max_pending_bytes_per_direction = 8;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 21, "uvwxyz");  // held: 6 bytes
    send(tcp, f.segments, kClient, 11, "klmno");   // would make 11 > 8; lowest, so skip to it
    auto& log = f.factory.logs[0];
    CHECK(log.gaps == std::vector<std::size_t>{10});
    CHECK(log.from_originator == std::string(10, '#') + "klmno");
    send(tcp, f.segments, kClient, 16, "pqrst");
    CHECK(log.from_originator == std::string(10, '#') + "klmnopqrstuvwxyz");
}

TEST_CASE("tcp: overall pending limit bounds memory across connections") {
    Fixture f;
    f.limits.max_pending_bytes_total = 5;
    auto tcp = f.make();
    const FlowTuple other = make_tuple("10.0.0.3", 1, "10.0.0.2", 2775);
    send(tcp, f.segments, kClient, 100, "a");
    send(tcp, f.segments, other, 100, "A");
    send(tcp, f.segments, kClient, 105, "fgh");  // held 3
    send(tcp, f.segments, other, 105, "FGH");    // would be 6 > 5: other skips its hole
    CHECK(f.factory.logs[1].from_originator == "A####FGH");
    CHECK(f.factory.logs[0].from_originator == "a");
    auto stats = stats_of(tcp);
    CHECK(counter<TcpAnomaly>(stats, "anomaly.tcp.total_pending_limit_exceeded") == 1);
    CHECK(stats.at("tcp.pending_bytes") == 3);
}

TEST_CASE("tcp: FIN from both sides flushes pending data after the gap and closes") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 6, "fg");  // 4..5 never arrive
    send(tcp, f.segments, kClient, 8, "", kFin);
    auto& log = f.factory.logs[0];
    CHECK(log.closes == 0);
    auto fin = f.segments.make(kServer, 1, kFin, "bye");
    tcp.on_segment(fin);
    CHECK(log.closes == 1);
    CHECK(log.from_originator == "abc##fg");
    CHECK(log.from_responder == "bye");
    CHECK(log.gaps == std::vector<std::size_t>{2});
    REQUIRE(log.metas.size() == 3);
    CHECK(log.metas[1].segment == &fin);                     // "bye" straight from the FIN segment
    CHECK(log.metas[2].segment == nullptr);                  // "fg" from the held copy...
    CHECK(log.metas[2].packet_number == fin.packet_number);  // ...released by the FIN
    CHECK(stats_of(tcp).at("tcp.active") == 0);
}

TEST_CASE("tcp: RST closes at once and flushes") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kServer, 5, "xyz");
    send(tcp, f.segments, kServer, 1, "", kRst);
    auto& log = f.factory.logs[0];
    CHECK(log.closes == 1);
    CHECK(log.from_responder == "####xyz");
    CHECK(stats_of(tcp).at("tcp.active") == 0);
}

TEST_CASE("tcp: closed entry lingers: late retransmits ignored, new SYN reopens") {
    Fixture f;
    f.limits.closed_linger = seconds(5);
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 4, "", kRst);
    f.segments.ts += seconds(1);
    send(tcp, f.segments, kClient, 1, "abc");  // straggler
    send(tcp, f.segments, kServer, 1, "late");
    CHECK(f.factory.opens == 1);
    CHECK(f.factory.logs[0].from_originator == "abc");

    send(tcp, f.segments, kClient, 50, "", kSyn);  // same tuple, new connection
    CHECK(f.factory.opens == 2);
    send(tcp, f.segments, kClient, 51, "new");
    REQUIRE(f.factory.logs.size() == 2);
    CHECK(f.factory.logs[1].info.id == 2);
    CHECK(f.factory.logs[1].from_originator == "new");
    CHECK(f.factory.logs[0].closes == 1);
}

TEST_CASE("tcp: after closed_linger a segment on the tuple starts a mid-stream connection") {
    Fixture f;
    f.limits.closed_linger = seconds(5);
    auto tcp = f.make();
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 4, "", kRst);
    f.segments.ts += seconds(6);
    send(tcp, f.segments, kServer, 77, "hello");
    REQUIRE(f.factory.logs.size() == 2);
    CHECK(f.factory.logs[1].info.originator_tuple == kServer);
    CHECK(f.factory.logs[1].from_originator == "hello");
}

TEST_CASE("tcp: expire removes closed entries after the linger time") {
    Fixture f;
    f.limits.closed_linger = seconds(5);
    auto tcp = f.make();
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 4, "", kRst);
    CHECK(f.factory.logs[0].closes == 1);
    tcp.expire(f.segments.ts + seconds(5));
    f.segments.ts += seconds(1);  // within the linger, but the entry is gone
    send(tcp, f.segments, kClient, 1, "abc");
    CHECK(f.factory.opens == 2);
}

TEST_CASE("tcp: a fresh SYN on an active tuple replaces the connection, a repeated SYN does not") {
    Fixture f;
    auto tcp = f.make();
    handshake(tcp, f.segments, 100, 0);
    send(tcp, f.segments, kClient, 100, "", kSyn);  // retransmitted SYN
    send(tcp, f.segments, kClient, 101, "one");
    CHECK(f.factory.opens == 1);
    send(tcp, f.segments, kClient, 9000, "", kSyn);  // port reuse
    send(tcp, f.segments, kClient, 9001, "two");
    REQUIRE(f.factory.logs.size() == 2);
    CHECK(f.factory.logs[0].closes == 1);
    CHECK(f.factory.logs[0].from_originator == "one");
    CHECK(f.factory.logs[1].from_originator == "two");
}

TEST_CASE("tcp: idle connections expire on packet time, flushing after the gap") {
    Fixture f;
    f.limits.idle_timeout = seconds(300);
    auto tcp = f.make();
    const FlowTuple other = make_tuple("10.0.0.3", 1, "10.0.0.2", 2775);
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 10, "jk");
    const Timestamp first_activity = f.segments.ts;
    f.segments.ts += seconds(200);
    send(tcp, f.segments, other, 1, "x");
    tcp.expire(first_activity + seconds(299));
    CHECK(f.factory.logs[0].closes == 0);
    tcp.expire(first_activity + seconds(300));
    auto& log = f.factory.logs[0];
    CHECK(log.closes == 1);
    CHECK(log.from_originator == "abc######jk");
    CHECK(log.metas.back().segment == nullptr);
    CHECK(log.metas.back().packet_number == 2);  // the held copy's own packet
    CHECK(f.factory.logs[1].closes == 0);
    CHECK(stats_of(tcp).at("tcp.active") == 1);
    // A segment after expiry is a new mid-stream connection.
    send(tcp, f.segments, kClient, 12, "l");
    CHECK(f.factory.opens == 3);
}

TEST_CASE("tcp: close_all flushes and closes everything") {
    Fixture f;
    auto tcp = f.make();
    const FlowTuple other = make_tuple("10.0.0.3", 1, "10.0.0.2", 2775);
    send(tcp, f.segments, kClient, 1, "a");
    send(tcp, f.segments, kClient, 3, "c");
    send(tcp, f.segments, other, 1, "z");
    tcp.close_all();
    CHECK(f.factory.logs[0].from_originator == "a#c");
    CHECK(f.factory.logs[0].closes == 1);
    CHECK(f.factory.logs[1].closes == 1);
    auto stats = stats_of(tcp);
    CHECK(stats.at("tcp.active") == 0);
    CHECK(stats.at("tcp.pending_bytes") == 0);
    CHECK(stats.at("tcp.gaps") == 1);
}

TEST_CASE("tcp: a full table evicts the least recently active connection") {
    Fixture f;
    f.limits.max_connections = 2;
    auto tcp = f.make();
    const FlowTuple b = make_tuple("10.0.0.3", 1, "10.0.0.2", 2775);
    const FlowTuple c = make_tuple("10.0.0.4", 1, "10.0.0.2", 2775);
    send(tcp, f.segments, kClient, 1, "a1");
    send(tcp, f.segments, b, 1, "b1");
    send(tcp, f.segments, kServer, 1, "a2");  // A is now the most recent
    send(tcp, f.segments, c, 1, "c1");        // evicts B
    REQUIRE(f.factory.logs.size() == 3);
    CHECK(f.factory.logs[0].closes == 0);
    CHECK(f.factory.logs[1].closes == 1);
    CHECK(f.factory.logs[1].from_originator == "b1");
    CHECK(f.factory.logs[2].closes == 0);
    send(tcp, f.segments, kClient, 3, "a3");
    CHECK(f.factory.logs[0].from_originator == "a1a3");
    CHECK(f.factory.opens == 3);
    auto stats = stats_of(tcp);
    CHECK(counter<TcpAnomaly>(stats, "anomaly.tcp.connection_table_full") == 1);
    CHECK(stats.at("tcp.active") == 2);
    CHECK(f.factory.anomalies == std::vector<std::string>{"tcp.connection_table_full"});
}

TEST_CASE("tcp: a full table drops closed entries before evicting live connections") {
    Fixture f;
    f.limits.max_connections = 2;
    auto tcp = f.make();
    const FlowTuple b = make_tuple("10.0.0.3", 1, "10.0.0.2", 2775);
    const FlowTuple c = make_tuple("10.0.0.4", 1, "10.0.0.2", 2775);
    send(tcp, f.segments, kClient, 1, "a1");
    send(tcp, f.segments, b, 1, "b1");
    send(tcp, f.segments, b, 3, "", kRst);
    send(tcp, f.segments, c, 1, "c1");
    CHECK(f.factory.logs[0].closes == 0);
    CHECK(counter<TcpAnomaly>(stats_of(tcp), "anomaly.tcp.connection_table_full") == 0);
}

TEST_CASE("tcp: interleaved connections keep their streams apart") {
    Fixture f;
    auto tcp = f.make();
    const FlowTuple smpp = make_tuple("2001:db8::1", 33000, "2001:db8::2", 2775);
    handshake(tcp, f.segments, 10, 20);
    send(tcp, f.segments, smpp, 500, "bind");
    send(tcp, f.segments, kClient, 11, "OPT");
    send(tcp, f.segments, smpp.reversed(), 42, "resp");
    send(tcp, f.segments, smpp, 504, "_tx");
    send(tcp, f.segments, kServer, 21, "200");
    send(tcp, f.segments, kClient, 14, "IONS");
    REQUIRE(f.factory.logs.size() == 2);
    CHECK(f.factory.logs[0].from_originator == "OPTIONS");
    CHECK(f.factory.logs[0].from_responder == "200");
    CHECK(f.factory.logs[1].from_originator == "bind_tx");
    CHECK(f.factory.logs[1].from_responder == "resp");
    CHECK(f.factory.logs[1].info.id == 2);
    CHECK(stats_of(tcp).at("tcp.connections") == 2);
}

TEST_CASE("tcp: a connection the factory declines is tracked cheaply and asked once") {
    Fixture f;
    f.factory.ignore_all = true;
    auto tcp = f.make();
    handshake(tcp, f.segments, 0, 0);
    for (std::uint32_t i = 0; i < 10; ++i) send(tcp, f.segments, kClient, 1 + i * 3, "abc");
    send(tcp, f.segments, kServer, 1, "out of order", kAck);
    CHECK(f.factory.opens == 1);
    auto stats = stats_of(tcp);
    CHECK(stats.at("tcp.connections") == 1);
    CHECK(stats.at("tcp.connections_ignored") == 1);
    CHECK(stats.at("tcp.bytes_delivered") == 0);
    CHECK(stats.at("tcp.pending_bytes") == 0);
    send(tcp, f.segments, kClient, 31, "", kFin);
    send(tcp, f.segments, kServer, 13, "", kFin);
    CHECK(stats_of(tcp).at("tcp.active") == 0);
    send(tcp, f.segments, kClient, 32, "", kAck);  // final ACK: lingering entry, no new open
    CHECK(f.factory.opens == 1);
}

TEST_CASE("tcp: a segment far outside the window is dropped and counted") {
    Fixture f;
    auto tcp = f.make();
    send(tcp, f.segments, kClient, 1, "abc");
    send(tcp, f.segments, kClient, 1 + (1u << 31), "zzz");
    send(tcp, f.segments, kClient, 4, "def");
    CHECK(f.factory.logs[0].from_originator == "abcdef");
    CHECK(counter<TcpAnomaly>(stats_of(tcp), "anomaly.tcp.segment_out_of_window") == 1);
    CHECK(stats_of(tcp).at("tcp.gaps") == 0);
}

TEST_CASE("tcp: stray RST for an unknown tuple creates nothing") {
    Fixture f;
    auto tcp = f.make();
    send(tcp, f.segments, kClient, 1, "", kRst);
    CHECK(f.factory.opens == 0);
    CHECK(stats_of(tcp).at("tcp.connections") == 0);
}

TEST_CASE("tcp: describe names every anomaly") {
    for (std::size_t i = 0; i < static_cast<std::size_t>(TcpAnomaly::count_); ++i) {
        const auto info = describe(static_cast<TcpAnomaly>(i));
        CHECK(info.name.starts_with("tcp."));
        CHECK(info.name != "tcp.unknown");
        CHECK_FALSE(info.description.empty());
    }
}

}  // namespace scamgate::net
