// Frames the input as one SMPP stream direction (cut into chunks whose sizes come from the first
// bytes), parses every PDU, and builds the SMS record of every message PDU, as the pipeline does.
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "pipeline/sms_build.h"
#include "smpp/stream_framer.h"

namespace {

using namespace scamgate;

struct FuzzSink final : smpp::PduSink {
    void on_pdu(ByteView bytes) override {
        if (bytes.size() < smpp::kHeaderSize) __builtin_trap();
        smpp::Pdu pdu;
        const auto outcome = smpp::parse_pdu(bytes, pdu);
        if (!outcome.ok && !outcome.anomaly) __builtin_trap();
        const auto* message = std::get_if<smpp::ShortMessage>(&pdu.body);
        if (!outcome.ok || !message) return;
        for (auto alphabet : {sms::Encoding::gsm7, sms::Encoding::latin1}) {
            auto built = pipeline::sms_from_smpp(pdu.header, *message, "fuzz", alphabet, pipeline::MessageOrigin{});
            if (built.part && !built.part->contact.sms) __builtin_trap();
        }
    }
    void on_framing_anomaly(smpp::SmppAnomaly) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t chunk = 1 + data[0] % 64;
    const bool gap = (data[1] & 1) != 0;
    const std::vector<std::uint8_t> input(data + 2, data + size);
    smpp::FramerLimits limits;
    limits.max_pdu_size = 4096;
    smpp::PduFramer framer(limits);
    FuzzSink sink;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        const std::size_t n = std::min(chunk, input.size() - at);
        framer.feed(ByteView(input).subspan(at, n), sink);
        if (gap && at == chunk) framer.on_gap();
        if (framer.buffered() > limits.max_pdu_size) __builtin_trap();
    }
    return 0;
}
