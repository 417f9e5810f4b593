// SCTP: chunk walking, CRC32c, DATA and I-DATA reassembly, retransmissions, association state and
// its bounds, through the decoder as the worker runs it.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "net/decoder.h"
#include "net/sctp.h"
#include "pcapgen/packet_builder.h"

using namespace scamgate;
using namespace scamgate::net;
using pcapgen::Bytes;
using pcapgen::PacketBuilder;
using pcapgen::SctpChunk;
using pcapgen::sctp_data;
namespace flags = pcapgen::sctp_flags;

namespace {

constexpr std::uint32_t kTagToGateway = 0x2dead2b2;

struct Message {
    std::string bytes;
    FlowTuple tuple;
    SctpMessageInfo info;
    std::uint64_t packet_number = 0;
    std::string at_offset;  // the packet's bytes at info.offset_in_packet (whole-chunk messages)
};

// Decoder -> SctpAssembler, keeping copies of the messages and the anomaly names.
class SctpHarness final : public DecodeSink, public SctpMessageSink {
public:
    explicit SctpHarness(SctpLimits limits = {}) : decoder_(NetLimits{}, *this), sctp_(limits, *this) {}

    void on_transport(const TransportPayload& p) override {
        if (p.tuple.proto != IpProto::sctp) return;
        current_packet_ = std::string(as_text(p.payload));
        sctp_.on_packet(p);
    }
    void on_anomaly(const AnomalyInfo& a) override { anomalies.emplace_back(a.name); }
    void on_sctp_message(const TransportPayload& m, const SctpMessageInfo& info) override {
        Message out{std::string(as_text(m.payload)), m.tuple, info, m.packet_number, {}};
        if (info.offset_in_packet >= 0) {
            out.at_offset = current_packet_.substr(static_cast<std::size_t>(info.offset_in_packet), out.bytes.size());
        }
        messages.push_back(std::move(out));
    }
    void on_sctp_anomaly(const AnomalyInfo& a) override { anomalies.emplace_back(a.name); }

    void feed(const Bytes& frame, std::optional<std::uint32_t> wire_length = std::nullopt) {
        capture::Packet packet;
        packet.ts = now;
        packet.linktype = pcapgen::linktype::ethernet;
        packet.data = frame;
        packet.wire_length = wire_length.value_or(static_cast<std::uint32_t>(frame.size()));
        packet.number = ++number_;
        decoder_.decode(packet);
        now += kNanosPerSecond / 10;
    }
    void expire(Timestamp at) { sctp_.expire(at); }
    void clear() { sctp_.clear(); }

    // A counter that must exist (or, for anomaly.*, must be a described SCTP or decoder anomaly).
    std::uint64_t stat(std::string_view name) const {
        StatsReport report;
        decoder_.append_stats(report);
        sctp_.append_stats(report);
        if (name.starts_with("anomaly.")) {
            bool described = false;
            for (std::size_t i = 0; i < static_cast<std::size_t>(SctpAnomaly::count_); ++i)
                described = described || name.substr(8) == describe(static_cast<SctpAnomaly>(i)).name;
            for (std::size_t i = 0; i < static_cast<std::size_t>(NetAnomaly::count_); ++i)
                described = described || name.substr(8) == describe(static_cast<NetAnomaly>(i)).name;
            REQUIRE_MESSAGE(described, name);
        } else {
            REQUIRE_MESSAGE(report.values().contains(std::string(name)), name);
        }
        return report.get(name);
    }
    std::size_t anomaly_count(std::string_view name) const {
        return static_cast<std::size_t>(std::count(anomalies.begin(), anomalies.end(), name));
    }

    std::vector<Message> messages;
    std::vector<std::string> anomalies;
    Timestamp now = 1'700'000'000 * kNanosPerSecond;

private:
    PacketDecoder decoder_;
    SctpAssembler sctp_;
    std::string current_packet_;
    std::uint64_t number_ = 0;
};

// A packet from the caller 203.0.113.10 to the gateway 198.51.100.1, SCTP 5060 -> 5060.
Bytes packet(std::vector<SctpChunk> chunks, std::uint32_t vtag = kTagToGateway,
             std::optional<std::uint32_t> checksum = std::nullopt, bool reverse = false) {
    PacketBuilder b;
    b.ethernet();
    if (reverse) b.ipv4("198.51.100.1", "203.0.113.10");
    else b.ipv4("203.0.113.10", "198.51.100.1");
    b.sctp({.src_port = reverse ? std::uint16_t{5060} : std::uint16_t{40000}, .dst_port = reverse ? std::uint16_t{40000} : std::uint16_t{5060},
            .verification_tag = vtag, .chunks = std::move(chunks), .checksum = checksum});
    return b.build();
}

std::string text(std::size_t n, char seed = 'a') {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(seed + static_cast<char>(i % 23)));
    return s;
}

// `message` as DATA fragments of `size` bytes from TSN `first` on, SSN `ssn` of `stream`.
std::vector<SctpChunk> fragments(const std::string& message, std::size_t size, std::uint32_t first,
                                 std::uint16_t stream = 0, std::uint16_t ssn = 0, std::uint8_t extra = 0) {
    std::vector<SctpChunk> out;
    for (std::size_t at = 0; at < message.size(); at += size) {
        std::uint8_t f = extra;
        if (at == 0) f |= flags::begin;
        if (at + size >= message.size()) f |= flags::end;
        out.push_back(sctp_data(first++, stream, ssn, std::string_view(message).substr(at, size), f));
    }
    return out;
}

SctpChunk control(std::uint8_t type, std::uint8_t flag = 0) { return pcapgen::sctp_control(type, flag); }

}  // namespace

TEST_CASE("CRC32c: the check value, the builder's bitwise CRC and SCTP packets agree") {
    const std::string check = "123456789";
    const ByteView bytes(reinterpret_cast<const std::uint8_t*>(check.data()), check.size());
    CHECK(crc32c(bytes) == 0xE3069283u);
    CHECK(pcapgen::crc32c_bitwise(bytes) == 0xE3069283u);
    Bytes frame = packet({sctp_data(1, 0, 0, "INVITE")});
    const ByteView sctp = ByteView(frame).subspan(14 + 20);
    CHECK(sctp_checksum(sctp) == stored_sctp_checksum(sctp));
    frame[14 + 20 + 8] ^= 0xFF;
    CHECK(sctp_checksum(ByteView(frame).subspan(14 + 20)) != stored_sctp_checksum(ByteView(frame).subspan(14 + 20)));
    store_sctp_checksum(std::span<std::uint8_t>(frame).subspan(14 + 20));
    CHECK(sctp_checksum(ByteView(frame).subspan(14 + 20)) == stored_sctp_checksum(ByteView(frame).subspan(14 + 20)));
}

TEST_CASE("several whole messages bundled in one packet come out in order, each a view into the packet") {
    SctpHarness h;
    const std::string odd = "SIP/2.0 100 Trying\r\n\r\n" + text(3);  // length not a multiple of 4
    h.feed(packet({pcapgen::sctp_sack(7), sctp_data(10, 0, 0, "first"), control(4),
                   sctp_data(11, 3, 0, odd, flags::whole | flags::unordered, 0),
                   sctp_data(12, 1, 5, "third", flags::whole, 42)}));
    REQUIRE(h.messages.size() == 3);
    CHECK(h.messages[0].bytes == "first");
    CHECK(h.messages[1].bytes == odd);
    CHECK(h.messages[1].info.stream == 3);
    CHECK(h.messages[1].info.unordered);
    CHECK(h.messages[2].bytes == "third");
    CHECK(h.messages[2].info.ppid == 42);
    for (const auto& m : h.messages) {
        CHECK(m.info.offset_in_packet > 0);
        CHECK(m.at_offset == m.bytes);
        CHECK_FALSE(m.info.fragmented);
        CHECK(m.tuple.proto == IpProto::sctp);
        CHECK(m.tuple.src_port == 40000);
        CHECK(m.tuple.dst_port == 5060);
    }
    CHECK(h.stat("sctp.packets") == 1);
    CHECK(h.stat("sctp.chunks") == 5);
    CHECK(h.stat("sctp.data_chunks") == 3);
    CHECK(h.stat("sctp.messages") == 3);
    CHECK(h.anomalies.empty());
}

TEST_CASE("fragments in any order, with retransmissions, make one message once") {
    const std::string message = text(2500);
    const auto frags = fragments(message, 1000, 100);
    REQUIRE(frags.size() == 3);
    const std::vector<std::vector<int>> orders = {{0, 1, 2}, {2, 0, 1}, {2, 1, 0}, {1, 0, 0, 2, 2}};
    for (const auto& order : orders) {
        SctpHarness h;
        for (int i : order) h.feed(packet({frags[static_cast<std::size_t>(i)]}));
        REQUIRE(h.messages.size() == 1);
        CHECK(h.messages[0].bytes == message);
        CHECK(h.messages[0].info.fragmented);
        CHECK(h.messages[0].info.offset_in_packet == -1);
        CHECK(h.messages[0].packet_number == order.size() - (order.size() == 5 ? 1 : 0));
        CHECK(h.stat("sctp.fragmented_messages") == 1);
        CHECK(h.stat("sctp.retransmissions") == order.size() - 3);
        CHECK(h.anomalies.empty());
        // The whole message retransmitted later: every TSN is known, nothing is delivered again.
        h.feed(packet({frags[0], frags[1], frags[2]}));
        CHECK(h.messages.size() == 1);
    }
}

TEST_CASE("fragments across the TSN wrap (0xFFFFFFFF -> 0) join") {
    SctpHarness h;
    const std::string message = text(900, 'A');
    const auto frags = fragments(message, 300, 0xFFFFFFFEu);
    h.feed(packet({frags[2]}));
    h.feed(packet({frags[0], frags[1]}));
    REQUIRE(h.messages.size() == 1);
    CHECK(h.messages[0].bytes == message);
}

TEST_CASE("a fragment of another stream or SSN, or a second B, does not join a message") {
    SctpHarness h;
    const std::string a = text(200);
    auto frags = fragments(a, 100, 1, 0, 7);
    h.feed(packet({frags[0]}));
    h.feed(packet({sctp_data(2, 1, 7, text(100), flags::end)}));  // next TSN, other stream
    CHECK(h.messages.empty());
    CHECK(h.stat("anomaly.sctp.fragment_mismatch") == 1);
    SctpHarness g;
    g.feed(packet({sctp_data(5, 0, 1, "x", flags::begin)}));
    g.feed(packet({sctp_data(6, 0, 1, "y", flags::begin)}));
    g.feed(packet({sctp_data(7, 0, 1, "z", flags::end)}));
    REQUIRE(g.messages.size() == 1);  // 6..7 is a message; 5 has no end
    CHECK(g.messages[0].bytes == "yz");
}

TEST_CASE("I-DATA: fragments of two messages interleaved on two streams are joined by message id and FSN") {
    SctpHarness h;
    using pcapgen::sctp_idata;
    h.feed(packet({sctp_idata(1, 0, 0, 0, "Alpha-", flags::begin), sctp_idata(2, 1, 0, 0, "Beta-", flags::begin)}));
    h.feed(packet({sctp_idata(4, 1, 0, 1, "two", flags::end), sctp_idata(3, 0, 0, 1, "one-", 0)}));
    CHECK(h.messages.size() == 1);
    h.feed(packet({sctp_idata(5, 0, 0, 2, "end", flags::end)}));
    REQUIRE(h.messages.size() == 2);
    CHECK(h.messages[0].bytes == "Beta-two");
    CHECK(h.messages[1].bytes == "Alpha-one-end");
    CHECK(h.messages[1].info.idata);
    h.feed(packet({sctp_idata(6, 2, 9, 77, "whole")}));
    REQUIRE(h.messages.size() == 3);
    CHECK(h.messages[2].info.ppid == 77);
    CHECK(h.messages[2].at_offset == "whole");
}

TEST_CASE("a TSN seen again with other bytes is a conflict and both copies are delivered") {
    SctpHarness h;
    h.feed(packet({sctp_data(9, 0, 0, "INVITE decoy")}, kTagToGateway, 0xbad0bad0u));
    h.feed(packet({sctp_data(9, 0, 0, "INVITE real")}));
    REQUIRE(h.messages.size() == 2);
    CHECK(h.messages[1].bytes == "INVITE real");
    CHECK(h.stat("anomaly.sctp.tsn_conflict") == 1);
    CHECK(h.stat("anomaly.sctp.bad_checksum") == 1);
}

TEST_CASE("checksums: a wrong one is counted and the packet still processed, zero is counted apart") {
    SctpHarness h;
    h.feed(packet({sctp_data(1, 0, 0, "one")}, kTagToGateway, 0x12345678u));
    h.feed(packet({sctp_data(2, 0, 1, "two")}, kTagToGateway, 0u));
    REQUIRE(h.messages.size() == 2);
    CHECK(h.stat("anomaly.sctp.bad_checksum") == 1);
    CHECK(h.stat("sctp.zero_checksums") == 1);
}

TEST_CASE("malformed chunks: named anomalies, the chunks before them still delivered") {
    struct Case {
        const char* what;
        std::vector<SctpChunk> chunks;
        std::size_t delivered;
        const char* anomaly;
    };
    SctpChunk runaway = control(4);
    runaway.length = 400;
    SctpChunk too_short = control(4);
    too_short.length = 3;
    SctpChunk short_data = sctp_data(5, 0, 0, "");
    short_data.value.resize(8);  // DATA chunk of 12 bytes: below its 16-byte header
    SctpChunk short_idata = pcapgen::sctp_idata(5, 0, 0, 0, "");
    short_idata.value.resize(14);
    const Case cases[] = {
        {"length past the packet", {sctp_data(1, 0, 0, "ok"), runaway}, 1, "sctp.truncated_chunk"},
        {"length below 4", {sctp_data(1, 0, 0, "ok"), too_short, sctp_data(2, 0, 1, "lost")}, 1, "sctp.bad_chunk_length"},
        {"DATA shorter than its header", {short_data, sctp_data(2, 0, 1, "lost")}, 0, "sctp.bad_chunk_length"},
        {"I-DATA shorter than its header", {short_idata}, 0, "sctp.bad_chunk_length"},
        {"DATA without user data", {sctp_data(1, 0, 0, ""), sctp_data(2, 0, 1, "next")}, 1, "sctp.empty_data_chunk"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        SctpHarness h;
        h.feed(packet(c.chunks));
        CHECK(h.messages.size() == c.delivered);
        CHECK(h.anomaly_count(c.anomaly) == 1);
    }
    SctpHarness h;
    Bytes cut = packet({sctp_data(1, 0, 0, "ok")});
    cut.resize(14 + 20 + 8);  // IP and the capture agree: 8 bytes of SCTP
    cut[14 + 3] = 28;
    h.feed(cut);
    CHECK(h.stat("anomaly.sctp.truncated_header") == 1);
    CHECK(h.messages.empty());
}

TEST_CASE("a message cut by the snaplen goes up with what was captured, unverified, a cut fragment does not") {
    SctpHarness h;
    const Bytes whole = packet({sctp_data(1, 0, 0, "INVITE sip:x SIP/2.0\r\nVia: cut here")});
    h.feed(Bytes(whole.begin(), whole.end() - 12), static_cast<std::uint32_t>(whole.size()));
    REQUIRE(h.messages.size() == 1);
    CHECK(h.messages[0].bytes.starts_with("INVITE sip:x"));
    CHECK(h.stat("anomaly.sctp.bad_checksum") == 0);
    const Bytes frag = packet({sctp_data(2, 0, 1, text(200), flags::begin)});
    h.feed(Bytes(frag.begin(), frag.end() - 40), static_cast<std::uint32_t>(frag.size()));
    h.feed(packet({sctp_data(3, 0, 1, "tail", flags::end)}));
    CHECK(h.messages.size() == 1);
}

TEST_CASE("ABORT and SHUTDOWN end the state, a forged tag does not") {
    const auto frags = fragments(text(300), 100, 50);
    SUBCASE("ABORT with the receiver's tag drops the message in progress") {
        SctpHarness h;
        h.feed(packet({frags[0], frags[1]}));
        h.feed(packet({control(6)}));
        h.feed(packet({frags[2]}));
        CHECK(h.messages.empty());
        CHECK(h.stat("anomaly.sctp.incomplete_at_close") == 1);
        CHECK(h.stat("sctp.active_associations") == 1);  // the last fragment opened it again
    }
    SUBCASE("ABORT with the T bit carries the sender's own tag (the other direction's)") {
        SctpHarness h;
        h.feed(packet({sctp_data(1, 0, 0, "hello")}, 0x1c0ffee1u, std::nullopt, true));  // gateway -> caller
        h.feed(packet({frags[0]}));
        h.feed(packet({control(6, 1)}, 0x1c0ffee1u));
        CHECK(h.stat("anomaly.sctp.incomplete_at_close") == 1);
        CHECK(h.stat("sctp.active_associations") == 0);
    }
    SUBCASE("ABORT with a forged tag is ignored") {
        SctpHarness h;
        h.feed(packet({frags[0], frags[1]}));
        h.feed(packet({control(6)}, 0x77777777u));
        h.feed(packet({frags[2]}));
        REQUIRE(h.messages.size() == 1);
        CHECK(h.stat("anomaly.sctp.verification_tag_mismatch") == 1);
    }
    SUBCASE("SHUTDOWN ends its sender's direction; SHUTDOWN COMPLETE the association") {
        SctpHarness h;
        h.feed(packet({frags[0]}));
        h.feed(packet({control(7)}));
        h.feed(packet({frags[1], frags[2]}));
        CHECK(h.messages.empty());
        CHECK(h.stat("anomaly.sctp.incomplete_at_close") == 1);
        h.feed(packet({control(14)}));
        CHECK(h.stat("sctp.active_associations") == 0);
    }
}

TEST_CASE("a packet with another verification tag does not disturb a message in progress") {
    SctpHarness h;
    const auto frags = fragments(text(300), 100, 50);
    h.feed(packet({frags[0], frags[1]}));
    h.feed(packet({sctp_data(51, 0, 0, "forged whole"), sctp_data(52, 0, 0, "forged", flags::end)}, 0x99999999u));
    h.feed(packet({frags[2]}));
    REQUIRE(h.messages.size() == 2);
    CHECK(h.messages[0].bytes == "forged whole");  // judged all the same
    CHECK(h.messages[1].bytes == text(300));
    CHECK(h.stat("anomaly.sctp.verification_tag_mismatch") == 2);
    // With nothing in progress, a new tag is a new association (restart): TSNs start afresh.
    h.feed(packet({sctp_data(50, 0, 0, "after restart")}, 0x31313131u));
    REQUIRE(h.messages.size() == 3);
    CHECK(h.messages[2].bytes == "after restart");
}

TEST_CASE("bounds: fragments per direction, bytes per direction, associations, timeouts") {
    SUBCASE("max_pending_fragments") {
        SctpHarness h(SctpLimits{.max_pending_fragments = 4});
        for (std::uint32_t tsn = 1; tsn <= 5; ++tsn) h.feed(packet({sctp_data(tsn * 2, 0, 0, "x", flags::begin)}));
        CHECK(h.stat("anomaly.sctp.too_many_fragments") == 1);
    }
    SUBCASE("max_message_size") {
        SctpHarness h(SctpLimits{.max_message_size = 1000});
        const auto frags = fragments(text(1500), 500, 1);
        for (const auto& f : frags) h.feed(packet({f}));
        CHECK(h.messages.empty());
        CHECK(h.stat("anomaly.sctp.message_too_large") == 1);
        const auto small = fragments(text(480), 240, 10);  // 500 + 480 bytes held: within the bound
        for (const auto& f : small) h.feed(packet({f}));
        CHECK(h.messages.size() == 1);
    }
    SUBCASE("max_associations: the least recently active is evicted") {
        SctpHarness h(SctpLimits{.max_associations = 2});
        auto from = [](const char* src, std::vector<SctpChunk> chunks) {
            return PacketBuilder().ethernet().ipv4(src, "198.51.100.1").sctp({.verification_tag = 1, .chunks = std::move(chunks)}).build();
        };
        h.feed(from("203.0.113.1", {sctp_data(1, 0, 0, "a", flags::begin)}));
        h.feed(from("203.0.113.2", {sctp_data(1, 0, 0, "b")}));
        h.feed(from("203.0.113.1", {sctp_data(3, 0, 0, "c")}));  // 1 is now the most recent
        h.feed(from("203.0.113.3", {sctp_data(1, 0, 0, "d")}));  // evicts 2
        CHECK(h.stat("anomaly.sctp.association_table_full") == 1);
        CHECK(h.stat("sctp.active_associations") == 2);
        h.feed(from("203.0.113.1", {sctp_data(2, 0, 0, "z", flags::end)}));
        REQUIRE(h.messages.size() == 4);
        CHECK(h.messages[3].bytes == "az");  // association 1 kept its fragment
    }
    SUBCASE("max_pending_bytes_total: fragments held across associations") {
        SctpHarness h(SctpLimits{.max_pending_bytes_total = 600});
        auto from = [](const char* src, std::vector<SctpChunk> chunks) {
            return PacketBuilder().ethernet().ipv4(src, "198.51.100.1").sctp({.verification_tag = 1, .chunks = std::move(chunks)}).build();
        };
        h.feed(from("203.0.113.1", {sctp_data(1, 0, 0, text(400), flags::begin)}));
        CHECK(h.stat("sctp.pending_bytes") == 400);
        h.feed(from("203.0.113.2", {sctp_data(1, 0, 0, text(400), flags::begin)}));
        CHECK(h.stat("anomaly.sctp.total_pending_limit_exceeded") == 1);
        CHECK(h.stat("sctp.pending_bytes") == 400);
        h.feed(from("203.0.113.1", {sctp_data(2, 0, 0, "end", flags::end)}));
        REQUIRE(h.messages.size() == 1);
        CHECK(h.stat("sctp.pending_bytes") == 0);
    }
    SUBCASE("fragment and idle timeouts") {
        SctpHarness h(SctpLimits{.fragment_timeout = seconds(5), .idle_timeout = seconds(60)});
        h.feed(packet({sctp_data(1, 0, 0, "a", flags::begin)}));
        h.expire(h.now + seconds(4));
        CHECK(h.stat("anomaly.sctp.fragment_timeout") == 0);
        h.expire(h.now + seconds(6));
        CHECK(h.stat("anomaly.sctp.fragment_timeout") == 1);
        h.feed(packet({sctp_data(2, 0, 0, "b", flags::end)}));
        CHECK(h.messages.empty());
        CHECK(h.stat("sctp.active_associations") == 1);
        h.expire(h.now + seconds(61));
        CHECK(h.stat("sctp.active_associations") == 0);
        CHECK(h.stat("sctp.associations") == 1);
    }
    SUBCASE("clear() at the end of a capture counts what was incomplete") {
        SctpHarness h;
        h.feed(packet({sctp_data(1, 0, 0, "a", flags::begin)}));
        h.clear();
        CHECK(h.stat("anomaly.sctp.incomplete_at_close") == 1);
        CHECK(h.stat("sctp.active_associations") == 0);
    }
}
