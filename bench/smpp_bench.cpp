// SMPP on its own, from PDU bytes in memory: framing + parsing, and parsing + building the SMS
// record (text decoding, UDH) as the pipeline does per message PDU.
// Run: build/bench/smpp_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <string>
#include <variant>
#include <vector>

#include "pipeline/sms_build.h"
#include "smpp/stream_framer.h"

using namespace scamgate;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put32(Bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
}

void cstr(Bytes& b, std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    b.push_back(0);
}

Bytes submit(std::uint32_t seq, std::uint8_t esm_class, std::uint8_t data_coding, const Bytes& short_message) {
    Bytes body;
    cstr(body, "");
    body.insert(body.end(), {5, 0});
    cstr(body, "VCB");
    body.insert(body.end(), {1, 1});
    cstr(body, "8491" + std::to_string(2000000 + seq % 1000000));
    body.insert(body.end(), {esm_class, 0, 0});
    cstr(body, "");
    cstr(body, "");
    body.insert(body.end(), {1, 0, data_coding, 0, static_cast<std::uint8_t>(short_message.size())});
    body.insert(body.end(), short_message.begin(), short_message.end());
    Bytes pdu;
    put32(pdu, static_cast<std::uint32_t>(16 + body.size()));
    put32(pdu, 4);
    put32(pdu, 0);
    put32(pdu, seq);
    pdu.insert(pdu.end(), body.begin(), body.end());
    return pdu;
}

Bytes gsm_text() {
    const std::string t = "Tai khoan cua ban da bi khoa, truy cap http://vcb-secure.top de mo khoa ngay hom nay";
    return Bytes(t.begin(), t.end());
}

Bytes ucs2_text() {
    const std::u16string t = u"Công an TP thông báo: bạn có liên quan đến vụ án rửa tiền, gọi ngay";
    Bytes out = {5, 0, 3, 0x2A, 2, 1};
    for (char16_t c : t) {
        out.push_back(static_cast<std::uint8_t>(c >> 8));
        out.push_back(static_cast<std::uint8_t>(c));
    }
    return out;
}

// 1000 PDUs back to back: 3 of 4 GSM-7, 1 of 4 UCS-2 with a UDH.
Bytes stream() {
    Bytes all;
    for (std::uint32_t i = 1; i <= 1000; ++i) {
        const auto pdu = i % 4 == 0 ? submit(i, 0x40, 8, ucs2_text()) : submit(i, 0, 0, gsm_text());
        all.insert(all.end(), pdu.begin(), pdu.end());
    }
    return all;
}

struct CountingSink final : smpp::PduSink {
    void on_pdu(ByteView pdu) override {
        smpp::Pdu parsed;
        if (smpp::parse_pdu(pdu, parsed).ok) ++pdus;
    }
    void on_framing_anomaly(smpp::SmppAnomaly) override {}
    std::size_t pdus = 0;
};

struct BuildingSink final : smpp::PduSink {
    void on_pdu(ByteView bytes) override {
        smpp::Pdu pdu;
        if (!smpp::parse_pdu(bytes, pdu).ok) return;
        const auto& m = std::get<smpp::ShortMessage>(pdu.body);
        auto built = pipeline::sms_from_smpp(pdu.header, m, "esme", sms::Encoding::gsm7, pipeline::MessageOrigin{});
        text_bytes += built.part->contact.sms->text.size();
    }
    void on_framing_anomaly(smpp::SmppAnomaly) override {}
    std::size_t text_bytes = 0;
};

void BM_FrameAndParse(benchmark::State& state) {
    const auto bytes = stream();
    for (auto _ : state) {
        smpp::PduFramer framer;
        CountingSink sink;
        framer.feed(bytes, sink);
        benchmark::DoNotOptimize(sink.pdus);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_FrameAndParse);

void BM_FrameParseAndBuildSms(benchmark::State& state) {
    const auto bytes = stream();
    for (auto _ : state) {
        smpp::PduFramer framer;
        BuildingSink sink;
        framer.feed(bytes, sink);
        benchmark::DoNotOptimize(sink.text_bytes);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_FrameParseAndBuildSms);

}  // namespace

BENCHMARK_MAIN();
