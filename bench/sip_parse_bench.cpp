// SIP parsing throughput. Standalone build (bench/CMakeLists.txt belongs to the pipeline):
//   g++ -std=c++20 -O2 -DNDEBUG -I src bench/sip_parse_bench.cpp src/sip/{header_names,message,parser,uri,sdp,stream_framer}.cpp -lbenchmark -lpthread
#include <benchmark/benchmark.h>

#include <string>

#include "sip/message.h"
#include "sip/stream_framer.h"

namespace {

using namespace scamgate::sip;

std::string crlf(std::string_view lf_text) {
    std::string out;
    for (char c : lf_text) {
        if (c == '\n') out.push_back('\r');
        out.push_back(c);
    }
    return out;
}

const std::string& invite() {
    static const std::string text = [] {
        const std::string body = crlf(
            "v=0\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\ns=-\nc=IN IP4 192.0.2.101\n"
            "t=0 0\nm=audio 49172 RTP/AVP 0 8 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n");
        return crlf("INVITE sip:+15551234567@gw.biloxi.com;user=phone SIP/2.0\n"
                    "Via: SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK776asdhds;rport\n"
                    "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-22-1;received=192.0.2.7\n"
                    "Max-Forwards: 70\n"
                    "To: <sip:+15551234567@biloxi.com;user=phone>\n"
                    "From: \"Alice\" <sip:+15550001111@atlanta.com;user=phone>;tag=1928301774\n"
                    "Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
                    "CSeq: 314159 INVITE\n"
                    "Contact: <sip:alice@pc33.atlanta.com>\n"
                    "P-Asserted-Identity: \"Alice\" <sip:+15550001111@atlanta.com;user=phone>\n"
                    "User-Agent: ExamplePhone/1.2\n"
                    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE\n"
                    "Supported: replaces, timer\n"
                    "Content-Type: application/sdp\n"
                    "Content-Length: ") +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    return text;
}

void BM_parse_invite_datagram(benchmark::State& state) {
    const auto& text = invite();
    Message m;
    for (auto _ : state) {
        auto r = parse_message(text, Framing::datagram, m);
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(m.headers.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_parse_invite_datagram);

void BM_parse_invite_and_fields(benchmark::State& state) {
    const auto& text = invite();
    Message m;
    for (auto _ : state) {
        auto r = parse_message(text, Framing::datagram, m);
        auto from = parse_name_addr(m.first(HeaderId::from));
        auto to = parse_name_addr(m.first(HeaderId::to));
        auto cseq = parse_cseq(m.first(HeaderId::cseq));
        auto via = parse_via(m.values(HeaderId::via).front());
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(from);
        benchmark::DoNotOptimize(to);
        benchmark::DoNotOptimize(cseq);
        benchmark::DoNotOptimize(via);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse_invite_and_fields);

class CountingSink : public StreamFramer::Sink {
public:
    void on_message(const Message&, std::string_view) override { ++messages; }
    void on_anomaly(SipAnomaly) override {}
    std::size_t messages = 0;
};

void BM_stream_framer_pipelined(benchmark::State& state) {
    std::string stream;
    for (int i = 0; i < 16; ++i) stream += invite();
    StreamFramer framer;
    CountingSink sink;
    for (auto _ : state) framer.feed(stream, sink);
    state.SetItemsProcessed(static_cast<std::int64_t>(sink.messages));
}
BENCHMARK(BM_stream_framer_pipelined);

void BM_header_id(benchmark::State& state) {
    const std::string_view names[] = {"Via", "From", "To", "Call-ID", "CSeq", "Contact", "X-Custom-Header",
                                      "P-Asserted-Identity", "Content-Length", "v", "User-Agent"};
    for (auto _ : state) {
        for (auto n : names) benchmark::DoNotOptimize(header_id(n));
    }
    state.SetItemsProcessed(state.iterations() * 11);
}
BENCHMARK(BM_header_id);

}  // namespace

BENCHMARK_MAIN();
