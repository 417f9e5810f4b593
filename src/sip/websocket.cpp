#include "sip/websocket.h"

#include <algorithm>

#include "sip/message.h"
#include "sip/text.h"

namespace scamgate::sip {

AnomalyInfo describe(WebSocketAnomaly anomaly) {
    static constexpr std::array<AnomalyInfo, static_cast<std::size_t>(WebSocketAnomaly::count_)> kInfo{{
        {"websocket.bad_handshake", "HTTP Upgrade head malformed or longer than its limit (8 KiB)"},
        {"websocket.upgrade_refused", "the server answered the WebSocket Upgrade with a status other than 101"},
        {"websocket.protocol_not_confirmed", "101 answer without sip in Sec-WebSocket-Protocol (frames still read)"},
        {"websocket.compressed", "permessage-deflate message (RSV1): not decoded, skipped"},
        {"websocket.reserved_bits", "frame with RSV bits set that no extension explains: skipped"},
        {"websocket.reserved_opcode", "frame with a reserved opcode: skipped"},
        {"websocket.bad_control_frame", "ping, pong or close frame fragmented or longer than 125 bytes"},
        {"websocket.unexpected_continuation", "continuation frame without a message in progress: skipped"},
        {"websocket.interrupted_message", "a new message began before the last one ended: the partial one dropped"},
        {"websocket.message_too_large", "message longer than sip.max_message_size: handed on cut there"},
        {"websocket.too_many_frames", "message in more frames than the limit (128): handed on cut there"},
        {"websocket.bad_length", "64-bit payload length with its top bit set: framing lost, resynchronised"},
        {"websocket.framing_lost", "bytes lost in the TCP stream: frames resynchronised at the next SIP frame"},
        {"websocket.data_after_close", "bytes after a close frame (ignored)"},
    }};
    const auto index = static_cast<std::size_t>(anomaly);
    if (index >= kInfo.size()) return {"websocket.unknown", "unknown WebSocket anomaly"};
    return kInfo[index];
}

namespace {

constexpr std::size_t kMaxFrameHeader = 14;
// Payload bytes a probe unmasks to find a SIP start line; a longer first line is not believed.
constexpr std::size_t kProbeBytes = 512;
// After a message is handed on, a buffer larger than this is released (many idle connections).
constexpr std::size_t kKeptCapacity = 4096;

bool is_data_opcode(std::uint8_t op) { return op == opcode::text || op == opcode::binary; }
bool is_control_opcode(std::uint8_t op) { return (op & 0x8) != 0; }

// --- HTTP head -----------------------------------------------------------------------------

struct HeadLine {
    std::string_view text;  // without CR/LF
    std::size_t next = 0;
};

HeadLine head_line_at(std::string_view data, std::size_t pos) {
    const std::size_t lf = data.find('\n', pos);
    HeadLine line{data.substr(pos, lf - pos), lf + 1};
    if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
    return line;
}

// Offset just past the empty line that ends the head, or npos.
std::size_t head_end(std::string_view data) {
    std::size_t pos = 0;
    while (true) {
        const std::size_t lf = data.find('\n', pos);
        if (lf == std::string_view::npos) return std::string_view::npos;
        const auto line = data.substr(pos, lf - pos);
        if (line.empty() || line == "\r") return pos == 0 ? std::string_view::npos : lf + 1;
        pos = lf + 1;
    }
}

bool is_http_version(std::string_view v) {
    return v.size() == 8 && text::istarts_with(v, "HTTP/1.") && text::is_digit(v[7]);
}

// "GET /path HTTP/1.1" or "HTTP/1.1 101 Switching Protocols".
bool read_start_line(std::string_view line, HttpHead& out) {
    const std::size_t first_sp = line.find(' ');
    if (first_sp == std::string_view::npos || first_sp == 0) return false;
    const auto first = line.substr(0, first_sp);
    const std::size_t second = line.find_first_not_of(' ', first_sp);
    const auto rest = second == std::string_view::npos ? std::string_view{} : line.substr(second);
    if (is_http_version(first)) {
        if (rest.size() < 3 || !std::all_of(rest.begin(), rest.begin() + 3, text::is_digit)) return false;
        if (rest.size() > 3 && rest[3] != ' ') return false;
        out.is_request = false;
        out.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
        return true;
    }
    if (!std::all_of(first.begin(), first.end(), text::is_token_char)) return false;
    const std::size_t target_end = rest.find(' ');
    if (target_end == std::string_view::npos || target_end == 0) return false;
    if (!is_http_version(text::trim(rest.substr(target_end)))) return false;
    out.is_request = true;
    out.method = first;
    return true;
}

// Whether `value` contains `word` in any case. Kamailio's websocket module looks for "sip" and
// "websocket" this way (a substring, not a token), so the filter does too.
bool mentions(std::string_view value, std::string_view word) {
    for (std::size_t at = 0; at + word.size() <= value.size(); ++at) {
        if (text::iequals(value.substr(at, word.size()), word)) return true;
    }
    return false;
}

void read_header_line(std::string_view line, HttpHead& out) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const auto name = text::trim(line.substr(0, colon));
    const auto value = line.substr(colon + 1);
    if (text::iequals(name, "upgrade")) {
        out.upgrade_websocket |= mentions(value, "websocket");
    } else if (text::iequals(name, "sec-websocket-protocol")) {
        out.sip_protocol |= mentions(value, "sip");
    } else if (text::iequals(name, "sec-websocket-extensions")) {
        out.permessage_deflate |= mentions(value, "permessage-deflate");
    }
}

// Whether a first line seen only in part may still become an HTTP start line.
bool may_be_http_start(std::string_view partial) {
    if (may_be_http_response(partial)) return true;
    const std::size_t sp = partial.find(' ');
    const auto method = partial.substr(0, sp);
    return !method.empty() && std::all_of(method.begin(), method.end(), text::is_token_char);
}

}  // namespace

HeadStatus read_http_head(std::string_view data, std::size_t max_size, HttpHead& out) {
    out = HttpHead{};
    const auto window = data.substr(0, std::min(data.size(), max_size));
    const std::size_t end = head_end(window);
    if (end == std::string_view::npos) {
        if (data.size() >= max_size) return HeadStatus::invalid;
        const std::size_t lf = window.find('\n');
        if (lf == std::string_view::npos) return may_be_http_start(window) ? HeadStatus::incomplete : HeadStatus::invalid;
        return read_start_line(head_line_at(window, 0).text, out) ? HeadStatus::incomplete : HeadStatus::invalid;
    }
    HeadLine line = head_line_at(window, 0);
    if (!read_start_line(line.text, out)) return HeadStatus::invalid;
    while (line.next < end) {
        line = head_line_at(window, line.next);
        if (line.text.empty()) break;
        if (!text::is_wsp(line.text.front())) read_header_line(line.text, out);  // folded lines add nothing we read
    }
    out.length = end;
    return HeadStatus::ok;
}

bool is_sip_websocket_upgrade(const HttpHead& head) {
    return head.is_request && text::iequals(head.method, "GET") && head.upgrade_websocket && head.sip_protocol;
}

namespace {
bool begins_like(std::string_view data, std::string_view literal) {
    const auto n = std::min(data.size(), literal.size());
    return n > 0 && text::iequals(data.substr(0, n), literal.substr(0, n));
}
}  // namespace

bool may_be_http_get(std::string_view data) { return begins_like(data, "GET "); }

bool may_be_http_response(std::string_view data) { return begins_like(data, "HTTP/"); }

// --- Frames --------------------------------------------------------------------------------

FrameParse read_frame_header(ByteView bytes, FrameHeader& out) {
    if (bytes.size() < 2) return FrameParse::incomplete;
    FrameHeader h;
    h.fin = (bytes[0] & 0x80) != 0;
    h.rsv = static_cast<std::uint8_t>((bytes[0] >> 4) & 0x7);
    h.opcode = static_cast<std::uint8_t>(bytes[0] & 0x0f);
    h.masked = (bytes[1] & 0x80) != 0;
    const std::uint8_t length7 = bytes[1] & 0x7f;
    const std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    h.header_length = 2 + extended + (h.masked ? 4 : 0);
    if (bytes.size() < h.header_length) return FrameParse::incomplete;
    if (length7 == 126) {
        h.payload_length = load_be16(bytes.data() + 2);
    } else if (length7 == 127) {
        h.payload_length = (std::uint64_t{load_be32(bytes.data() + 2)} << 32) | load_be32(bytes.data() + 6);
        if ((h.payload_length >> 63) != 0) return FrameParse::bad_length;
    } else {
        h.payload_length = length7;
    }
    if (h.masked) std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(2 + extended), 4, h.mask.begin());
    out = h;
    return FrameParse::ok;
}

void apply_mask(std::span<std::uint8_t> bytes, const std::array<std::uint8_t, 4>& mask, std::uint64_t offset) {
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] ^= mask[(offset + i) % 4];
}

void apply_mask(std::span<char> bytes, const std::array<std::uint8_t, 4>& mask, std::uint64_t offset) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<char>(static_cast<std::uint8_t>(bytes[i]) ^ mask[(offset + i) % 4]);
    }
}

ProbeResult probe_sip_frame(ByteView bytes) {
    if (bytes.empty()) return ProbeResult::need_more;
    // Cheap first look: FIN either way, RSV clear, text or binary.
    if (!is_data_opcode(bytes[0] & 0x7f)) return ProbeResult::no;
    FrameHeader h;
    const FrameParse parsed = read_frame_header(bytes, h);
    if (parsed == FrameParse::incomplete) return ProbeResult::need_more;
    if (parsed == FrameParse::bad_length || h.payload_length == 0) return ProbeResult::no;
    const std::size_t available = bytes.size() - h.header_length;
    const std::size_t look =
        static_cast<std::size_t>(std::min<std::uint64_t>({available, h.payload_length, kProbeBytes}));
    std::array<char, kProbeBytes> plain{};
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(h.header_length), look,
                reinterpret_cast<std::uint8_t*>(plain.data()));
    if (h.masked) apply_mask(std::span<char>(plain.data(), look), h.mask, 0);
    const std::string_view prefix(plain.data(), look);
    if (prefix.find('\n') != std::string_view::npos || look == h.payload_length) {
        return starts_with_start_line(prefix) ? ProbeResult::yes : ProbeResult::no;
    }
    if (look == kProbeBytes) return ProbeResult::no;
    return may_be_start_line_prefix(prefix) ? ProbeResult::need_more : ProbeResult::no;
}

ProbeResult probe_sip_frames(ByteView bytes) {
    constexpr int kMaxLeadingControlFrames = 8;
    constexpr std::uint8_t kFinPing = 0x80 | opcode::ping, kFinPong = 0x80 | opcode::pong;
    for (int skipped = 0; skipped < kMaxLeadingControlFrames; ++skipped) {
        if (bytes.empty()) return ProbeResult::need_more;
        if (bytes[0] != kFinPing && bytes[0] != kFinPong) break;
        FrameHeader h;
        const FrameParse parsed = read_frame_header(bytes, h);
        if (parsed == FrameParse::incomplete) return ProbeResult::need_more;
        if (parsed != FrameParse::ok || h.payload_length > 125) return ProbeResult::no;
        if (h.header_length + h.payload_length > bytes.size()) return ProbeResult::need_more;
        bytes = bytes.subspan(h.header_length + static_cast<std::size_t>(h.payload_length));
    }
    return probe_sip_frame(bytes);
}

WebSocketFramer::WebSocketFramer(const WebSocketLimits& limits) : limits_(limits) {}

void WebSocketFramer::feed(ByteView bytes, Sink& sink) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const ByteView rest = bytes.subspan(pos);
        switch (state_) {
            case State::header: pos += read_header(rest, sink); break;
            case State::payload: pos += read_payload(rest, sink); break;
            case State::resync: pos += resync(rest); break;
            case State::closed:
                if (!after_close_counted_) sink.on_anomaly(WebSocketAnomaly::data_after_close);
                after_close_counted_ = true;
                return;
        }
    }
}

void WebSocketFramer::on_gap(Sink& sink) {
    if (state_ == State::closed) return;
    if (state_ != State::resync) sink.on_anomaly(WebSocketAnomaly::framing_lost);
    header_.clear();
    end_message();
    state_ = State::resync;
}

void WebSocketFramer::lose_framing(Sink& sink, WebSocketAnomaly why) {
    sink.on_anomaly(why);
    header_.clear();
    end_message();
    state_ = State::resync;
}

// Looks for a frame carrying a SIP start line within these bytes; everything before it (or all
// of them) is dropped. A frame cut at the end of the bytes is missed; the next one is found.
std::size_t WebSocketFramer::resync(ByteView bytes) {
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        if (probe_sip_frame(bytes.subspan(at)) == ProbeResult::yes) {
            state_ = State::header;
            return at;
        }
    }
    return bytes.size();
}

// An unmasked, unfragmented, unflagged data frame wholly in `bytes` with no message in progress:
// handed on straight from the caller's bytes (the usual server-to-client frame).
bool WebSocketFramer::is_whole_simple_frame(const FrameHeader& h, ByteView bytes) const {
    return !h.masked && h.fin && h.rsv == 0 && is_data_opcode(h.opcode) && !in_message_ &&
           h.payload_length <= limits_.max_message_size && h.payload_length <= bytes.size() - h.header_length;
}

std::size_t WebSocketFramer::read_header(ByteView bytes, Sink& sink) {
    if (!header_.empty()) return read_buffered_header(bytes, sink);
    FrameHeader h;
    switch (read_frame_header(bytes, h)) {
        case FrameParse::incomplete:
            header_.assign(as_text(bytes));  // fewer than 14 bytes
            return bytes.size();
        case FrameParse::bad_length:
            lose_framing(sink, WebSocketAnomaly::bad_length);
            return 1;  // the resync must not find this very frame again
        case FrameParse::ok:
            break;
    }
    if (is_whole_simple_frame(h, bytes)) {
        const auto length = static_cast<std::size_t>(h.payload_length);
        const ByteView payload = bytes.subspan(h.header_length, length);
        in_feed_ = PayloadInFeed{payload, std::nullopt};
        sink.on_message(as_text(payload), false);
        in_feed_.reset();
        return h.header_length + length;
    }
    frame_ = h;
    begin_frame(sink);
    return h.header_length;
}

// The header began in an earlier feed: completes it from `bytes`; returns the bytes taken.
std::size_t WebSocketFramer::read_buffered_header(ByteView bytes, Sink& sink) {
    const std::size_t before = header_.size();
    const std::size_t take = std::min(kMaxFrameHeader - before, bytes.size());
    header_.append(as_text(bytes.first(take)));
    FrameHeader h;
    switch (read_frame_header(as_bytes(header_), h)) {
        case FrameParse::incomplete:
            return take;
        case FrameParse::bad_length:
            lose_framing(sink, WebSocketAnomaly::bad_length);
            return take;
        case FrameParse::ok:
            break;
    }
    header_.clear();
    frame_ = h;
    begin_frame(sink);
    return h.header_length - before;
}

void WebSocketFramer::begin_frame(Sink& sink) {
    payload_done_ = 0;
    use_ = Use::skip;
    state_ = State::payload;
    if (is_control_opcode(frame_.opcode)) {
        begin_control_frame(sink);
    } else if (!is_data_opcode(frame_.opcode) && frame_.opcode != opcode::continuation) {
        sink.on_anomaly(WebSocketAnomaly::reserved_opcode);
    } else if (frame_.rsv != 0) {
        begin_flagged_frame(sink);
    } else if (frame_.opcode == opcode::continuation) {
        begin_continuation(sink);
    } else {
        begin_message(sink);
    }
    if (frame_.payload_length == 0) end_frame(sink);
}

void WebSocketFramer::begin_control_frame(Sink& sink) {
    if (frame_.opcode > opcode::pong) {
        sink.on_anomaly(WebSocketAnomaly::reserved_opcode);
    } else if (!frame_.fin || frame_.payload_length > 125) {
        sink.on_anomaly(WebSocketAnomaly::bad_control_frame);
    }
}

// RSV bits set on a data or continuation frame: a compressed message where deflate was
// negotiated (RSV1 on its first frame), a protocol error otherwise. Either way it is skipped.
void WebSocketFramer::begin_flagged_frame(Sink& sink) {
    const bool compressed = deflate_ && frame_.rsv == 4 && is_data_opcode(frame_.opcode);
    sink.on_anomaly(compressed ? WebSocketAnomaly::compressed : WebSocketAnomaly::reserved_bits);
    if (is_data_opcode(frame_.opcode)) {
        begin_message(sink);
        use_ = Use::skip;
    }
    message_done_ = in_message_;  // the rest of this message is skipped
    message_.clear();
}

void WebSocketFramer::begin_continuation(Sink& sink) {
    if (!in_message_) {
        sink.on_anomaly(WebSocketAnomaly::unexpected_continuation);
        return;
    }
    if (message_done_) return;
    if (++frames_ > limits_.max_frames_per_message) {
        sink.on_anomaly(WebSocketAnomaly::too_many_frames);
        deliver(sink, true);
        return;
    }
    use_ = Use::keep;
}

void WebSocketFramer::begin_message(Sink& sink) {
    if (in_message_ && !message_done_) sink.on_anomaly(WebSocketAnomaly::interrupted_message);
    end_message();
    in_message_ = true;
    frames_ = 1;
    use_ = Use::keep;
}

std::size_t WebSocketFramer::read_payload(ByteView bytes, Sink& sink) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(frame_.payload_length - payload_done_, bytes.size()));
    const bool whole_in_feed = use_ == Use::keep && payload_done_ == 0 && n == frame_.payload_length && frames_ == 1;
    if (use_ == Use::keep) keep(bytes.first(n), sink);
    payload_done_ += n;
    if (payload_done_ == frame_.payload_length) {
        if (whole_in_feed && !message_done_) {
            in_feed_ = PayloadInFeed{bytes.first(n), frame_.masked ? std::optional(frame_.mask) : std::nullopt};
        }
        end_frame(sink);
        in_feed_.reset();
    }
    return n;
}

// Appends payload bytes (unmasked) to the message, up to max_message_size.
void WebSocketFramer::keep(ByteView bytes, Sink& sink) {
    const std::size_t room = limits_.max_message_size - message_.size();
    const std::size_t take = std::min(room, bytes.size());
    const std::size_t at = message_.size();
    message_.append(as_text(bytes.first(take)));
    if (frame_.masked) apply_mask(std::span<char>(message_.data() + at, take), frame_.mask, payload_done_);
    if (take < bytes.size()) {
        sink.on_anomaly(WebSocketAnomaly::message_too_large);
        deliver(sink, true);
    }
}

void WebSocketFramer::end_frame(Sink& sink) {
    state_ = State::header;
    if (frame_.opcode == opcode::close) {
        state_ = State::closed;
        return;
    }
    const bool part_of_message = is_data_opcode(frame_.opcode) || frame_.opcode == opcode::continuation;
    if (!part_of_message || !frame_.fin || !in_message_) return;
    if (!message_done_) deliver(sink, false);
    end_message();
}

// Hands the message on; the rest of its frames (if any) are skipped.
void WebSocketFramer::deliver(Sink& sink, bool cut) {
    sink.on_message(message_, cut);
    message_done_ = true;
    use_ = Use::skip;
    message_.clear();
}

void WebSocketFramer::end_message() {
    in_message_ = false;
    message_done_ = false;
    frames_ = 0;
    if (message_.capacity() > kKeptCapacity) {
        std::string().swap(message_);
    } else {
        message_.clear();
    }
}

}  // namespace scamgate::sip
