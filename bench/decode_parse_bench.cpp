// Decoding (Ethernet/IPv4/UDP) and SIP parsing alone, on realistic call messages held in memory:
// the "above 1,000,000 messages per second on one core" target is measured here.
// Run: build/bench/decode_parse_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "net/decoder.h"
#include "pcapgen/packet_builder.h"
#include "pipeline/call_tracker.h"
#include "sip/message.h"

using namespace scamgate;

namespace {

std::string sdp(int i) {
    return "v=0\r\no=- " + std::to_string(100000 + i) + " 1 IN IP4 203.0.113.10\r\ns=-\r\nc=IN IP4 203.0.113.10\r\n"
           "t=0 0\r\nm=audio " + std::to_string(20000 + 2 * (i % 5000)) + " RTP/AVP 8 0 18 101\r\n"
           "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
           "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
}

// One call's worth of messages: INVITE (with SDP), 100, 180, 200 (with SDP), ACK, BYE, 200.
std::vector<std::string> call_messages(int i) {
    const std::string call_id = "bench-" + std::to_string(i) + "@203.0.113.10";
    const std::string from = "\"Caller\" <sip:+8491" + std::to_string(1000000 + i) + "@203.0.113.10;user=phone>;tag=f" +
                             std::to_string(i);
    const std::string to = "<sip:+8424" + std::to_string(3000000 + i) + "@198.51.100.1;user=phone>";
    auto head = [&](const std::string& start, const std::string& cseq, const std::string& to_tag,
                    const std::string& body) {
        return start + "\r\nVia: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-" + std::to_string(i) + cseq.substr(0, 1) +
               "\r\nVia: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-up" + std::to_string(i) +
               "\r\nMax-Forwards: 69\r\nFrom: " + from + "\r\nTo: " + to + to_tag + "\r\nCall-ID: " + call_id +
               "\r\nCSeq: " + cseq + "\r\nContact: <sip:+8491" + std::to_string(1000000 + i) +
               "@203.0.113.10:5060>\r\nP-Asserted-Identity: <sip:+8491" + std::to_string(1000000 + i) +
               "@203.0.113.10>\r\nUser-Agent: Carrier-SBC/5.1\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n" +
               (body.empty() ? "" : "Content-Type: application/sdp\r\n") + "Content-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    const std::string ruri = "INVITE sip:+8424" + std::to_string(3000000 + i) + "@198.51.100.1;user=phone SIP/2.0";
    return {head(ruri, "1 INVITE", "", sdp(i)),
            head("SIP/2.0 100 Trying", "1 INVITE", "", ""),
            head("SIP/2.0 180 Ringing", "1 INVITE", ";tag=t" + std::to_string(i), ""),
            head("SIP/2.0 200 OK", "1 INVITE", ";tag=t" + std::to_string(i), sdp(i + 1)),
            head("ACK sip:+8424" + std::to_string(3000000 + i) + "@198.51.100.1 SIP/2.0", "1 ACK",
                 ";tag=t" + std::to_string(i), ""),
            head("BYE sip:+8424" + std::to_string(3000000 + i) + "@198.51.100.1 SIP/2.0", "2 BYE",
                 ";tag=t" + std::to_string(i), ""),
            head("SIP/2.0 200 OK", "2 BYE", ";tag=t" + std::to_string(i), "")};
}

struct Frames {
    std::vector<pcapgen::Bytes> frames;
    std::size_t bytes = 0;
};

const Frames& frames() {
    static const Frames built = [] {
        Frames f;
        for (int i = 0; i < 2000; ++i) {
            for (const auto& text : call_messages(i)) {
                f.frames.push_back(
                    pcapgen::PacketBuilder().ethernet().ipv4("203.0.113.10", "198.51.100.1").udp(5060, 5060).payload(text).build());
                f.bytes += f.frames.back().size();
            }
        }
        return f;
    }();
    return built;
}

struct ParsingSink final : net::DecodeSink {
    void on_transport(const net::TransportPayload& payload) override {
        auto result = sip::parse_message(as_text(payload.payload), sip::Framing::datagram, message);
        parsed += result.status == sip::ParseStatus::ok;
    }
    sip::Message message;
    std::uint64_t parsed = 0;
};

void run(benchmark::State& state, bool parse) {
    const auto& f = frames();
    ParsingSink parsing;
    struct NullSink final : net::DecodeSink {
        void on_transport(const net::TransportPayload& p) override { bytes += p.payload.size(); }
        std::uint64_t bytes = 0;
    } null_sink;
    net::DecodeSink& sink = parse ? static_cast<net::DecodeSink&>(parsing) : null_sink;
    net::PacketDecoder decoder({}, sink);
    capture::Packet packet;
    packet.linktype = 1;
    for (auto _ : state) {
        for (const auto& frame : f.frames) {
            packet.data = ByteView(frame.data(), frame.size());
            packet.wire_length = static_cast<std::uint32_t>(frame.size());
            ++packet.number;
            decoder.decode(packet);
        }
    }
    if (parse && parsing.parsed != f.frames.size() * state.iterations()) state.SkipWithError("a message failed to parse");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.frames.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.bytes));
}

void BM_Decode(benchmark::State& state) { run(state, false); }
void BM_DecodeAndParseSip(benchmark::State& state) { run(state, true); }

void BM_ParseSipOnly(benchmark::State& state) {
    std::vector<std::string> texts;
    std::size_t bytes = 0;
    for (int i = 0; i < 2000; ++i) {
        for (auto& t : call_messages(i)) {
            bytes += t.size();
            texts.push_back(std::move(t));
        }
    }
    sip::Message message;
    for (auto _ : state) {
        for (const auto& t : texts) benchmark::DoNotOptimize(sip::parse_message(t, sip::Framing::datagram, message));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * texts.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

}  // namespace

BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeAndParseSip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseSipOnly)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
