// Feeds the input to a StreamFramer in chunks whose sizes come from the first bytes; a chunk
// size of 0 stands for a gap (on_gap). Checks that the buffer stays bounded, that every emitted
// message lies inside what was fed, that a head ends with its empty line and comes at most once
// before its message, and that the bytes fed_part() names lie in the current chunk and equal
// the message's.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/stream_framer.h"

namespace {

using namespace scamgate::sip;

class CheckingSink : public StreamFramer::Sink {
public:
    explicit CheckingSink(const StreamFramer& framer) : framer_(framer) {}
    void on_head(const Message& head, std::string_view raw_head) override {
        if (head_pending || !raw_head.ends_with('\n') || !head.body.empty()) __builtin_trap();
        check_fed(raw_head);
        head_pending = true;
    }
    void on_message(const Message& m, std::string_view raw) override {
        if (raw.empty()) __builtin_trap();
        check_fed(raw);
        (void)m.values(HeaderId::via);
        (void)parse_name_addr(m.first(HeaderId::from));
        head_pending = false;
        ++messages;
    }
    void on_message_lost(SipAnomaly a) override {
        head_pending = false;
        on_anomaly(a);
    }
    void check_fed(std::string_view raw) const {
        const auto part = framer_.fed_part(raw);
        if (part.bytes.empty()) return;
        const auto* begin = chunk.data();
        if (part.bytes.data() < begin || part.bytes.data() + part.bytes.size() > begin + chunk.size()) __builtin_trap();
        if (part.offset + part.bytes.size() > raw.size() || raw.substr(part.offset, part.bytes.size()) != part.bytes) {
            __builtin_trap();
        }
    }
    std::string_view chunk;  // the bytes being fed
    bool head_pending = false;
    void on_anomaly(SipAnomaly a) override {
        if (a >= SipAnomaly::count_) __builtin_trap();
    }
    std::size_t messages = 0;

private:
    const StreamFramer& framer_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t kSizeBytes = 8;
    if (size < kSizeBytes) return 0;
    ParserLimits limits;
    limits.max_message_size = 2048;
    StreamFramer framer(limits);
    CheckingSink sink(framer);
    const std::string payload(reinterpret_cast<const char*>(data + kSizeBytes), size - kSizeBytes);
    std::size_t pos = 0;
    std::size_t turn = 0;
    while (pos < payload.size()) {
        const std::size_t chunk = data[turn++ % kSizeBytes];
        if (chunk == 0) {
            framer.on_gap(sink);
            sink.head_pending = false;
            ++pos;  // a gap loses a byte
            continue;
        }
        // A copy per chunk: the framer must not keep views into the caller's bytes.
        const std::string piece = payload.substr(pos, chunk);
        sink.chunk = piece;
        framer.feed(piece, sink);
        pos += piece.size();
        if (framer.buffered() > limits.max_message_size + 255) __builtin_trap();
    }
    return 0;
}
