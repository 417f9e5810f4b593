#pragma once
// SIP over WebSocket (RFC 7118 on RFC 6455), for one direction of a TCP connection: the HTTP
// Upgrade handshake that turns the connection into a WebSocket, and the frame layer after it.
// Each complete WebSocket message (a text or binary frame, or such a frame and its continuation
// frames) carries exactly one SIP message (RFC 7118 5), handed on like a datagram.
//
// Lenient where a receiving stack is: frames masked or not (RFC 6455 makes a server refuse an
// unmasked client frame, but the filter judges what any peer might accept), control frames
// between the fragments of a message, a new message interrupting an unfinished one (the partial
// one is dropped, as Kamailio does). Bounded: a message keeps at most max_message_size bytes and
// max_frames_per_message frames (what is past a bound is cut and counted; the message is still
// handed on so it is judged from its headers), the handshake at most max_handshake_size bytes.
// permessage-deflate (RFC 7692) is not decoded: a compressed message is counted and skipped.
#include <array>
#include <cstddef>
#include <span>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/anomaly.h"
#include "common/bytes.h"

namespace scamgate::sip {

enum class WebSocketAnomaly : std::uint8_t {
    bad_handshake,            // HTTP header block malformed or longer than max_handshake_size
    upgrade_refused,          // the server answered the Upgrade with a status other than 101
    protocol_not_confirmed,   // 101 without "sip" in Sec-WebSocket-Protocol (framed anyway)
    compressed,               // permessage-deflate message (RSV1): not decoded, skipped
    reserved_bits,            // RSV1 without deflate, or RSV2/RSV3: frame skipped
    reserved_opcode,          // opcode 3-7 or 11-15: frame skipped
    bad_control_frame,        // ping/pong/close fragmented or longer than 125 bytes
    unexpected_continuation,  // continuation frame without a message in progress: skipped
    interrupted_message,      // a new message began before the last one ended: the partial one dropped
    message_too_large,        // message past max_message_size: handed on cut there
    too_many_frames,          // message in more than max_frames_per_message frames: handed on cut there
    bad_length,               // 64-bit payload length with its top bit set: framing lost
    framing_lost,             // bytes lost in the TCP stream (gap): frames resynchronised by a probe
    data_after_close,         // bytes after a close frame (ignored)
    count_
};

AnomalyInfo describe(WebSocketAnomaly anomaly);

struct WebSocketLimits {
    std::size_t max_message_size = 65535;  // the pipeline sets sip.max_message_size
    std::size_t max_frames_per_message = 128;
    std::size_t max_handshake_size = 8192;
};

// --- Handshake -----------------------------------------------------------------------------

// The start line and the headers of an HTTP/1.x request or response that matter to an Upgrade.
struct HttpHead {
    bool is_request = false;
    std::string_view method;      // request
    int status = 0;               // response
    // The values are searched for these words in any case, as Kamailio's websocket module does.
    bool upgrade_websocket = false;  // Upgrade mentions "websocket"
    bool sip_protocol = false;       // Sec-WebSocket-Protocol mentions "sip"
    bool permessage_deflate = false; // Sec-WebSocket-Extensions mentions "permessage-deflate"
    std::size_t length = 0;          // bytes up to and including the empty line
};

enum class HeadStatus : std::uint8_t { ok, incomplete, invalid };

// Reads an HTTP head at the start of `data` (header names and tokens in any case, LF-only line
// ends taken). incomplete: no empty line yet within max_size bytes; invalid: not an HTTP/1.x
// start line, a bad header line, or a head longer than max_size.
HeadStatus read_http_head(std::string_view data, std::size_t max_size, HttpHead& out);

// True when `head` asks to turn the connection into SIP over WebSocket: a GET with Upgrade:
// websocket and Sec-WebSocket-Protocol listing sip.
bool is_sip_websocket_upgrade(const HttpHead& head);

// Whether `data` may begin an HTTP request that upgrades to WebSocket ("GET " so far, any case).
bool may_be_http_get(std::string_view data);
// Whether `data` may begin an HTTP response ("HTTP/" so far, any case).
bool may_be_http_response(std::string_view data);

// --- Frames --------------------------------------------------------------------------------

enum class ProbeResult : std::uint8_t { no, need_more, yes };

// Whether `bytes` begin with a WebSocket data frame (text or binary, RSV bits clear) whose
// payload, unmasked, begins with a SIP start line. Used where the handshake was not seen (a
// connection picked up mid-stream, resynchronising after a gap, one packet inline).
ProbeResult probe_sip_frame(ByteView bytes);
// The same after any whole control frames (ping, pong: up to 8) at the start of `bytes`.
ProbeResult probe_sip_frames(ByteView bytes);

// One frame's header (RFC 6455 5.2).
struct FrameHeader {
    bool fin = false;
    std::uint8_t rsv = 0;     // the three RSV bits, RSV1 as 4
    std::uint8_t opcode = 0;
    bool masked = false;
    std::array<std::uint8_t, 4> mask{};
    std::uint64_t payload_length = 0;
    std::size_t header_length = 0;  // 2..14
};

enum class FrameParse : std::uint8_t { ok, incomplete, bad_length };

// Reads the header at the start of `bytes`.
FrameParse read_frame_header(ByteView bytes, FrameHeader& out);

namespace opcode {
constexpr std::uint8_t continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA;
}

// XORs `bytes` (which start `offset` bytes into a frame's payload) with the frame's mask.
void apply_mask(std::span<std::uint8_t> bytes, const std::array<std::uint8_t, 4>& mask, std::uint64_t offset);
void apply_mask(std::span<char> bytes, const std::array<std::uint8_t, 4>& mask, std::uint64_t offset);

// Cuts one direction's frames into messages. Memory: one message (bounded) and a frame header.
class WebSocketFramer {
public:
    struct Sink {
        virtual ~Sink() = default;
        // `payload` is valid only during the call; `cut` when a bound cut it short.
        virtual void on_message(std::string_view payload, bool cut) = 0;
        virtual void on_anomaly(WebSocketAnomaly anomaly) = 0;
    };

    explicit WebSocketFramer(const WebSocketLimits& limits = {});

    // RFC 7692 was negotiated on this connection: an RSV1 frame is a compressed message, not a
    // protocol error (both are skipped; only the anomaly differs).
    void set_deflate_negotiated(bool negotiated) { deflate_ = negotiated; }
    void feed(ByteView bytes, Sink& sink);
    // Bytes were lost: the message being read is dropped and, in each later feed, the framer looks
    // for a frame that carries a SIP start line (probe_sip_frame) and goes on from there; the
    // bytes before it are dropped. Counted once per gap as framing_lost.
    void on_gap(Sink& sink);
    bool closed() const { return state_ == State::closed; }
    // Where the message being handed on (valid during Sink::on_message) lies in the current feed:
    // set only for a message of one frame whose whole payload is in that feed, the only kind
    // whose bytes can still be changed on the wire. `mask` is the frame's, when it is masked.
    struct PayloadInFeed {
        ByteView payload;
        std::optional<std::array<std::uint8_t, 4>> mask;
    };
    const std::optional<PayloadInFeed>& payload_in_feed() const { return in_feed_; }
    std::size_t buffered() const { return message_.size() + header_.size(); }

private:
    enum class State : std::uint8_t { header, payload, resync, closed };
    // What the bytes of the current frame's payload are for.
    enum class Use : std::uint8_t { keep, skip };

    std::size_t read_header(ByteView bytes, Sink& sink);
    std::size_t read_buffered_header(ByteView bytes, Sink& sink);
    std::size_t read_payload(ByteView bytes, Sink& sink);
    std::size_t resync(ByteView bytes);
    bool is_whole_simple_frame(const FrameHeader& header, ByteView bytes) const;
    void lose_framing(Sink& sink, WebSocketAnomaly why);
    void begin_frame(Sink& sink);
    void begin_control_frame(Sink& sink);
    void begin_flagged_frame(Sink& sink);
    void begin_continuation(Sink& sink);
    void begin_message(Sink& sink);
    void end_frame(Sink& sink);
    void keep(ByteView bytes, Sink& sink);
    void deliver(Sink& sink, bool cut);
    void end_message();

    WebSocketLimits limits_;
    bool deflate_ = false;
    State state_ = State::header;
    std::string header_;  // the frame header read so far (at most 14 bytes)
    FrameHeader frame_;
    std::uint64_t payload_done_ = 0;  // payload bytes of the current frame already read
    Use use_ = Use::skip;
    // The message being assembled.
    bool in_message_ = false;
    bool message_done_ = false;  // cut and handed on, or dropped: its remaining frames are skipped
    std::size_t frames_ = 0;
    std::string message_;
    bool after_close_counted_ = false;
    std::optional<PayloadInFeed> in_feed_;
};

}  // namespace scamgate::sip
