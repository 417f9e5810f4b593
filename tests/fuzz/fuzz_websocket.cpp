// SIP over WebSocket on hostile bytes. The first byte picks the mode and the limits:
//   framer: the rest is fed to a WebSocketFramer in chunks whose sizes come from the next 8
//     bytes (0 stands for a gap); every message must respect the bounds and is parsed as SIP.
//   connection: the rest is one TCP connection's bytes, alternating between the two directions
//     chunk by chunk, through the StreamProbe choice and, when chosen, the SipWebSocketHandler.
// The HTTP head reader, the frame header reader and the probes also run on the raw input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/sip_flow.h"
#include "pipeline/stream_probe.h"
#include "pipeline/worker.h"
#include "sip/message.h"
#include "sip/websocket.h"

namespace {

using namespace scamgate;

constexpr std::size_t kSizeBytes = 8;

class CheckingSink final : public sip::WebSocketFramer::Sink {
public:
    explicit CheckingSink(const sip::WebSocketLimits& limits) : limits_(limits) {}
    void on_message(std::string_view payload, bool /*cut*/) override {
        if (payload.size() > limits_.max_message_size) __builtin_trap();
        sip::ParserLimits parser;
        parser.max_message_size = limits_.max_message_size;
        const auto r = sip::parse_message(payload, sip::Framing::datagram, message_, parser);
        if (r.status == sip::ParseStatus::ok && r.consumed != payload.size()) __builtin_trap();
    }
    void on_anomaly(sip::WebSocketAnomaly a) override {
        if (a >= sip::WebSocketAnomaly::count_) __builtin_trap();
    }

private:
    sip::WebSocketLimits limits_;
    sip::Message message_;
};

class NullSipSink final : public pipeline::SipMessageSink {
public:
    void on_sip_message(const sip::Message& m, const pipeline::MessageOrigin& origin,
                        const pipeline::MessageRead& /*read*/) override {
        if (origin.carrier == pipeline::Carrier::websocket) (void)m.first(sip::HeaderId::call_id);
    }
    void on_sip_anomaly(sip::SipAnomaly a) override {
        if (a >= sip::SipAnomaly::count_) __builtin_trap();
    }
    void on_websocket_anomaly(sip::WebSocketAnomaly a) override {
        if (a >= sip::WebSocketAnomaly::count_) __builtin_trap();
    }
};

// Calls `each(chunk)` for consecutive chunks of `payload` sized by `sizes` (0: `gap()` instead).
template <typename Each, typename Gap>
void chunked(std::string_view payload, const std::uint8_t* sizes, Each each, Gap gap) {
    std::size_t pos = 0;
    std::size_t turn = 0;
    while (pos < payload.size()) {
        const std::size_t chunk = sizes[turn++ % kSizeBytes];
        if (chunk == 0) {
            gap(turn);
            ++pos;  // a gap loses a byte
            continue;
        }
        each(turn, payload.substr(pos, chunk));
        pos += std::min(chunk, payload.size() - pos);
    }
}

void fuzz_framer(const sip::WebSocketLimits& limits, bool deflate, const std::uint8_t* sizes, std::string_view payload) {
    sip::WebSocketFramer framer(limits);
    framer.set_deflate_negotiated(deflate);
    CheckingSink sink(limits);
    chunked(
        payload, sizes,
        [&](std::size_t, std::string_view piece) {
            const std::string copy(piece);  // the framer must not keep views into the caller's bytes
            framer.feed(as_bytes(copy), sink);
            if (framer.buffered() > limits.max_message_size + 14) __builtin_trap();
        },
        [&](std::size_t) { framer.on_gap(sink); });
}

void fuzz_connection(const sip::WebSocketLimits& limits, const std::uint8_t* sizes, std::string_view payload) {
    pipeline::SipDetection detection;
    sip::ParserLimits parser;
    parser.max_message_size = limits.max_message_size;
    pipeline::SipCounters counters;
    NullSipSink sink;
    net::TcpConnectionInfo info;
    info.originator_tuple = {*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), 45000, 8089,
                             net::IpProto::tcp};
    const net::Encapsulation encap;
    auto decide = [&](ByteView bytes, bool final) { return pipeline::sip_stream_choice(as_text(bytes), final, limits); };
    auto make = [&](pipeline::StreamProtocol protocol) -> std::unique_ptr<net::StreamHandler> {
        if (protocol == pipeline::StreamProtocol::websocket) {
            return std::make_unique<pipeline::SipWebSocketHandler>(detection, parser, limits, counters, sink, info, encap);
        }
        return std::make_unique<pipeline::SipStreamHandler>(detection, parser, counters, sink, info, encap);
    };
    pipeline::StreamProbe probe(decide, make);
    net::SegmentMeta meta;
    auto direction = [](std::size_t turn) {
        return turn % 2 == 1 ? net::Direction::from_originator : net::Direction::from_responder;
    };
    chunked(
        payload, sizes,
        [&](std::size_t turn, std::string_view piece) {
            const std::string copy(piece);
            probe.on_data(direction(turn), as_bytes(copy), meta);
        },
        [&](std::size_t turn) { probe.on_gap(direction(turn), 1); });
    probe.on_close();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 + kSizeBytes) return 0;
    const std::uint8_t mode = data[0];
    sip::WebSocketLimits limits;
    limits.max_message_size = (mode & 0x02) ? 512 : 4096;
    limits.max_frames_per_message = (mode & 0x04) ? 3 : 128;
    limits.max_handshake_size = 1024;
    const std::uint8_t* sizes = data + 1;
    const std::string payload(reinterpret_cast<const char*>(data + 1 + kSizeBytes), size - 1 - kSizeBytes);

    if (mode & 0x01) {
        fuzz_connection(limits, sizes, payload);
    } else {
        fuzz_framer(limits, (mode & 0x08) != 0, sizes, payload);
    }

    const ByteView raw = as_bytes(payload);
    sip::HttpHead head;
    if (sip::read_http_head(payload, limits.max_handshake_size, head) == sip::HeadStatus::ok &&
        (head.length == 0 || head.length > payload.size())) {
        __builtin_trap();
    }
    (void)sip::is_sip_websocket_upgrade(head);
    sip::FrameHeader frame;
    if (sip::read_frame_header(raw, frame) == sip::FrameParse::ok && (frame.header_length < 2 || frame.header_length > 14)) {
        __builtin_trap();
    }
    (void)sip::probe_sip_frame(raw);
    (void)sip::probe_sip_frames(raw);
    return 0;
}
