// Feeds the input to a StreamFramer in chunks whose sizes come from the first bytes; a chunk
// size of 0 stands for a gap (on_gap). Checks that the buffer stays bounded and that every
// emitted message lies inside what was fed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/stream_framer.h"

namespace {

using namespace scamgate::sip;

class CheckingSink : public StreamFramer::Sink {
public:
    void on_message(const Message& m, std::string_view raw) override {
        if (raw.empty()) __builtin_trap();
        (void)m.values(HeaderId::via);
        (void)parse_name_addr(m.first(HeaderId::from));
        ++messages;
    }
    void on_anomaly(SipAnomaly a) override {
        if (a >= SipAnomaly::count_) __builtin_trap();
    }
    std::size_t messages = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t kSizeBytes = 8;
    if (size < kSizeBytes) return 0;
    ParserLimits limits;
    limits.max_message_size = 2048;
    StreamFramer framer(limits);
    CheckingSink sink;
    const std::string payload(reinterpret_cast<const char*>(data + kSizeBytes), size - kSizeBytes);
    std::size_t pos = 0;
    std::size_t turn = 0;
    while (pos < payload.size()) {
        const std::size_t chunk = data[turn++ % kSizeBytes];
        if (chunk == 0) {
            framer.on_gap(sink);
            ++pos;  // a gap loses a byte
            continue;
        }
        // A copy per chunk: the framer must not keep views into the caller's bytes.
        const std::string piece = payload.substr(pos, chunk);
        framer.feed(piece, sink);
        pos += piece.size();
        if (framer.buffered() > limits.max_message_size + 255) __builtin_trap();
    }
    return 0;
}
