#include "pipeline/sip_flow.h"

#include <algorithm>

#include "pipeline/worker.h"

namespace scamgate::pipeline {

void SipCounters::append_to(StatsReport& report) const {
    report.add("sip.messages", messages);
    report.add("sip.requests", requests);
    report.add("sip.responses", responses);
    report.add("sip.parse_errors", parse_errors);
    report.add("sip.keepalives", keepalives);
    report.add("sip.non_sip_on_sip_port", non_sip_on_sip_port);
    report.add("sip.tcp_streams", tcp_streams);
    report.add("sip.websocket_streams", websocket_streams);
    report.add("sip.websocket_messages", websocket_messages);
    report.add("sip.websocket_non_sip", websocket_non_sip);
    anomalies.append_to(report);
    websocket_anomalies.append_to(report);
}

namespace {

// RFC 5626 keepalives (CRLF ping / pong) and STUN messages (RFC 8489: top two bits zero, the
// magic cookie at offset 4) share SIP ports and are not SIP.
bool is_keepalive(std::string_view bytes) {
    if (std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\0'; })) {
        return true;
    }
    return bytes.size() >= 20 && (static_cast<unsigned char>(bytes[0]) & 0xC0) == 0 &&
           bytes.substr(4, 4) == std::string_view("\x21\x12\xA4\x42", 4);
}

void count_message(const sip::Message& message, SipCounters& counters) {
    ++counters.messages;
    ++(message.is_request ? counters.requests : counters.responses);
}

void count_warnings(const sip::ParseResult& result, SipCounters& counters, SipMessageSink& sink) {
    for (auto warning : result.warnings) {
        counters.anomalies.add(warning);
        sink.on_sip_anomaly(warning);
    }
}

void count_anomaly(sip::SipAnomaly anomaly, SipCounters& counters, SipMessageSink& sink) {
    counters.anomalies.add(anomaly);
    sink.on_sip_anomaly(anomaly);
}

// Parses one message bounded by its carrier (a UDP datagram, a WebSocket message) and hands it on.
DatagramOutcome parse_bounded(const MessageRead& read, const sip::ParserLimits& limits, sip::Message& message,
                              SipCounters& counters, SipMessageSink& sink, const MessageOrigin& origin,
                              sip::SipAnomaly* error = nullptr) {
    auto result = sip::parse_message(read.text, sip::Framing::datagram, message, limits);
    if (result.status != sip::ParseStatus::ok) {
        ++counters.parse_errors;
        count_anomaly(result.anomaly, counters, sink);
        if (error != nullptr) *error = result.anomaly;
        return DatagramOutcome::parse_error;
    }
    count_message(message, counters);
    count_warnings(result, counters, sink);
    sink.on_sip_message(message, origin, read);
    return DatagramOutcome::sip;
}

}  // namespace

SipDatagramPath::SipDatagramPath(const SipDetection& detection, const sip::ParserLimits& limits,
                                 SipCounters& counters, SipMessageSink& sink)
    : detection_(detection), limits_(limits), counters_(counters), sink_(sink) {}

bool SipDatagramPath::is_sip_port(std::uint16_t port) const {
    return std::find(detection_.ports.begin(), detection_.ports.end(), port) != detection_.ports.end();
}

DatagramOutcome SipDatagramPath::on_datagram(const net::TransportPayload& datagram) {
    const std::string_view text = as_text(datagram.payload);
    const bool on_sip_port = is_sip_port(datagram.tuple.src_port) || is_sip_port(datagram.tuple.dst_port);
    if (!on_sip_port && !detection_.any_port) return DatagramOutcome::not_sip;

    std::size_t start = 0;
    if (!sip::starts_with_start_line(text)) {
        if (!on_sip_port) return DatagramOutcome::not_sip;
        auto found = sip::find_start_line(text, detection_.junk_window);
        if (!found) {
            if (is_keepalive(text)) {
                ++counters_.keepalives;
                return DatagramOutcome::keepalive;
            }
            ++counters_.non_sip_on_sip_port;
            return DatagramOutcome::not_sip_on_sip_port;
        }
        start = *found;
        count_anomaly(sip::SipAnomaly::junk_before_start_line, counters_, sink_);
    }
    last_start_ = start;
    const std::string_view message_text = text.substr(start);
    return parse_bounded(MessageRead{message_text, TextOnWire{as_bytes(message_text), 0, std::nullopt, 0}}, limits_, message_, counters_,
                         sink_, MessageOrigin{datagram.ts, datagram.tuple, datagram.encap, datagram.packet_number},
                         &last_error_);
}

// --- TCP -----------------------------------------------------------------------------------

// One direction of a SIP/TCP connection. The head of an initial request whose body is still to
// come is handed on when it is complete (a verdict given on it is kept, with a copy of the head,
// until the whole message arrives: if the body is lost the head alone is handed on, so a call
// blocked on its head still gets its record).
struct SipStreamHandler::DirectionState final : sip::StreamFramer::Sink {
    DirectionState(const sip::ParserLimits& limits, SipCounters& counters, SipMessageSink& sink,
                   net::FlowTuple tuple, const net::Encapsulation& encap)
        : framer(limits), limits_(limits), counters_(counters), sink_(sink), tuple_(tuple), encap_(encap) {}

    void on_head(const sip::Message& head, std::string_view raw_head) override {
        head_seen_ = true;
        head_verdict_ = sink_.on_sip_head(head, origin(), MessageRead{raw_head, on_wire(raw_head)});
        if (head_verdict_) pending_head_.assign(raw_head);
    }
    void on_message(const sip::Message& message, std::string_view raw) override {
        count_message(message, counters_);
        MessageRead read{raw, on_wire(raw)};
        read.head_verdict = head_verdict_ ? &*head_verdict_ : nullptr;
        read.head_seen = head_seen_;
        sink_.on_sip_message(message, origin(), read);
        forget_head();
    }
    void on_anomaly(sip::SipAnomaly anomaly) override { count_anomaly(anomaly, counters_, sink_); }
    void on_message_lost(sip::SipAnomaly anomaly) override {
        ++counters_.parse_errors;
        count_anomaly(anomaly, counters_, sink_);
        sink_.on_sip_unreadable(anomaly, tuple_);
        hand_on_pending_head();
    }

    // The body of a message whose head was judged will not come (a gap, the connection's end):
    // the head is handed on alone with its verdict.
    void hand_on_pending_head() {
        if (!head_verdict_) return;
        sip::Message head;
        const auto parsed = sip::parse_message(pending_head_, sip::Framing::datagram, head, limits_);
        if (parsed.status == sip::ParseStatus::ok) {
            count_message(head, counters_);
            MessageRead read{pending_head_, {}};
            read.head_verdict = &*head_verdict_;
            read.head_seen = true;
            sink_.on_sip_message(head, origin(), read);
        }
        forget_head();
    }

    Verdict verdict = Verdict::undecided;
    std::string probe_buffer;
    sip::StreamFramer framer;
    net::SegmentMeta meta_;

private:
    MessageOrigin origin() const { return MessageOrigin{meta_.ts, tuple_, encap_, meta_.packet_number}; }
    TextOnWire on_wire(std::string_view raw) const {
        const auto part = framer.fed_part(raw);
        return TextOnWire{as_bytes(part.bytes), part.offset, std::nullopt, 0};
    }
    void forget_head() {
        head_seen_ = false;
        head_verdict_.reset();
        pending_head_ = std::string();
    }

    const sip::ParserLimits& limits_;
    SipCounters& counters_;
    SipMessageSink& sink_;
    net::FlowTuple tuple_;
    net::Encapsulation encap_;
    bool head_seen_ = false;
    std::optional<record::Verdict> head_verdict_;
    std::string pending_head_;
};

SipStreamHandler::SipStreamHandler(const SipDetection& detection, const sip::ParserLimits& limits,
                                   SipCounters& counters, SipMessageSink& sink, const net::TcpConnectionInfo& info,
                                   const net::Encapsulation& encap)
    : detection_(detection), counters_(counters) {
    sides_[0] = std::make_unique<DirectionState>(limits, counters, sink, info.originator_tuple, encap);
    sides_[1] = std::make_unique<DirectionState>(limits, counters, sink, info.originator_tuple.reversed(), encap);
}

SipStreamHandler::~SipStreamHandler() = default;

SipStreamHandler::DirectionState& SipStreamHandler::state(net::Direction dir) {
    return *sides_[dir == net::Direction::from_originator ? 0 : 1];
}

void SipStreamHandler::on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) {
    DirectionState& side = state(dir);
    switch (side.verdict) {
        case Verdict::sip: feed(side, as_text(bytes), meta); break;
        case Verdict::undecided: probe(side, as_text(bytes), meta); break;
        case Verdict::not_sip: break;
    }
}

void SipStreamHandler::probe(DirectionState& side, std::string_view bytes, const net::SegmentMeta& meta) {
    if (side.probe_buffer.empty()) {
        // Framed from the segment itself, not a copy, so inline its bytes can still be changed.
        if (auto start = sip::find_start_line(bytes, std::min(bytes.size(), detection_.stream_probe_window))) {
            count_sip_stream(side);
            feed(side, bytes.substr(*start), meta);
            return;
        }
    }
    const std::size_t room = detection_.stream_probe_window - std::min(side.probe_buffer.size(), detection_.stream_probe_window);
    const std::size_t taken = std::min(room, bytes.size());
    side.probe_buffer.append(bytes.substr(0, taken));
    auto start = sip::find_start_line(side.probe_buffer, side.probe_buffer.size());
    if (start) {
        count_sip_stream(side);
        std::string buffered = std::move(side.probe_buffer);
        side.probe_buffer = std::string();
        feed(side, std::string_view(buffered).substr(*start), meta);
        if (taken < bytes.size()) feed(side, bytes.substr(taken), meta);
        return;
    }
    if (side.probe_buffer.size() >= detection_.stream_probe_window) {
        side.verdict = Verdict::not_sip;
        side.probe_buffer = std::string();
    }
}

void SipStreamHandler::count_sip_stream(DirectionState& side) {
    side.verdict = Verdict::sip;
    if (counted_as_sip_) return;
    counted_as_sip_ = true;
    ++counters_.tcp_streams;
}

void SipStreamHandler::feed(DirectionState& side, std::string_view bytes, const net::SegmentMeta& meta) {
    side.meta_ = meta;
    side.framer.feed(bytes, side);
}

void SipStreamHandler::on_gap(net::Direction dir, std::size_t /*missing*/) {
    DirectionState& side = state(dir);
    if (side.verdict == Verdict::sip) {
        side.hand_on_pending_head();
        side.framer.on_gap(side);
    } else if (side.verdict == Verdict::undecided) {
        side.probe_buffer.clear();
    }
}

void SipStreamHandler::on_close() {
    for (auto& side : sides_) side->hand_on_pending_head();
}

// --- WebSocket ------------------------------------------------------------------------------

std::optional<StreamProtocol> sip_stream_choice(std::string_view first_bytes, bool final,
                                                const sip::WebSocketLimits& limits) {
    // The client's GET, or (the capture began after it) the server's 101 naming sip.
    if (sip::may_be_http_get(first_bytes) || sip::may_be_http_response(first_bytes)) {
        sip::HttpHead head;
        const auto status = sip::read_http_head(first_bytes, limits.max_handshake_size, head);
        if (status == sip::HeadStatus::incomplete && !final) return std::nullopt;
        const bool upgraded = sip::is_sip_websocket_upgrade(head) || (head.status == 101 && head.sip_protocol);
        return status == sip::HeadStatus::ok && upgraded ? StreamProtocol::websocket : StreamProtocol::sip;
    }
    switch (sip::probe_sip_frames(as_bytes(first_bytes))) {
        case sip::ProbeResult::yes: return StreamProtocol::websocket;
        case sip::ProbeResult::need_more: return final ? std::optional(StreamProtocol::sip) : std::nullopt;
        case sip::ProbeResult::no: break;
    }
    return StreamProtocol::sip;
}

struct SipWebSocketHandler::Side final : sip::WebSocketFramer::Sink {
    enum class Phase : std::uint8_t { first_bytes, head, frames, ignored };

    Side(const SipDetection& detection, const sip::ParserLimits& limits, const sip::WebSocketLimits& websocket_limits,
         SipCounters& counters, SipMessageSink& sink, net::FlowTuple tuple, const net::Encapsulation& encap)
        : ws_limits(websocket_limits),
          framer(websocket_limits),
          detection_(detection),
          limits_(limits),
          counters_(counters),
          sink_(sink),
          tuple_(tuple),
          encap_(encap) {}

    void on_message(std::string_view payload, bool /*cut: counted by the framer*/) override {
        ++counters_.websocket_messages;
        if (is_keepalive(payload)) {  // RFC 7118 keeps RFC 5626's CRLF keepalives
            ++counters_.keepalives;
            return;
        }
        std::size_t start = 0;
        if (!sip::starts_with_start_line(payload)) {
            auto found = sip::find_start_line(payload, detection_.junk_window);
            if (!found) {
                ++counters_.websocket_non_sip;
                return;
            }
            start = *found;
            count_anomaly(sip::SipAnomaly::junk_before_start_line, counters_, sink_);
        }
        const MessageOrigin origin{meta.ts, tuple_, encap_, meta.packet_number, Carrier::websocket};
        MessageRead read{payload.substr(start), {}};
        if (const auto& in_feed = framer.payload_in_feed()) {
            read.wire = TextOnWire{in_feed->payload.subspan(start), 0, in_feed->mask, start};
        }
        sip::SipAnomaly error = sip::SipAnomaly::bad_start_line;
        if (parse_bounded(read, limits_, message_, counters_, sink_, origin, &error) == DatagramOutcome::parse_error) {
            sink_.on_sip_unreadable(error, tuple_);
        }
    }
    void on_anomaly(sip::WebSocketAnomaly anomaly) override {
        counters_.websocket_anomalies.add(anomaly);
        sink_.on_websocket_anomaly(anomaly);
    }

    Phase phase = Phase::first_bytes;
    std::string head;
    sip::WebSocketLimits ws_limits;
    sip::WebSocketFramer framer;
    net::SegmentMeta meta;

private:
    const SipDetection& detection_;
    const sip::ParserLimits& limits_;
    SipCounters& counters_;
    SipMessageSink& sink_;
    net::FlowTuple tuple_;
    net::Encapsulation encap_;
    sip::Message message_;
};

SipWebSocketHandler::SipWebSocketHandler(const SipDetection& detection, const sip::ParserLimits& limits,
                                         const sip::WebSocketLimits& ws_limits, SipCounters& counters,
                                         SipMessageSink& sink, const net::TcpConnectionInfo& info,
                                         const net::Encapsulation& encap)
    : counters_(counters) {
    ++counters_.websocket_streams;
    sides_[0] = std::make_unique<Side>(detection, limits, ws_limits, counters, sink, info.originator_tuple, encap);
    sides_[1] = std::make_unique<Side>(detection, limits, ws_limits, counters, sink, info.originator_tuple.reversed(),
                                       encap);
}

SipWebSocketHandler::~SipWebSocketHandler() = default;

SipWebSocketHandler::Side& SipWebSocketHandler::side(net::Direction dir) {
    return *sides_[dir == net::Direction::from_originator ? 0 : 1];
}

void SipWebSocketHandler::on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) {
    Side& s = side(dir);
    s.meta = meta;
    if (refused_) return;
    if (s.phase == Side::Phase::first_bytes) {
        // A direction seen from its start opens with its HTTP head; one picked up mid-stream
        // opens with frames.
        const std::string_view text = as_text(bytes);
        const bool http = sip::may_be_http_get(text) || sip::may_be_http_response(text);
        s.phase = http ? Side::Phase::head : Side::Phase::frames;
    }
    switch (s.phase) {
        case Side::Phase::head: read_head(s, bytes); break;
        case Side::Phase::frames: s.framer.feed(bytes, s); break;
        case Side::Phase::first_bytes:
        case Side::Phase::ignored: break;
    }
}

// Collects a direction's HTTP head (bounded); the bytes after it are its first frames.
void SipWebSocketHandler::read_head(Side& s, ByteView bytes) {
    const std::size_t limit = s.ws_limits.max_handshake_size;
    const std::size_t before = s.head.size();
    s.head.append(as_text(bytes.first(std::min(bytes.size(), limit + 1 - std::min(before, limit + 1)))));
    sip::HttpHead head;
    const auto status = sip::read_http_head(s.head, limit, head);
    if (status == sip::HeadStatus::incomplete) return;
    if (status == sip::HeadStatus::invalid) {
        s.on_anomaly(sip::WebSocketAnomaly::bad_handshake);
        s.phase = Side::Phase::ignored;
        s.head = std::string();
        return;
    }
    on_head(s, head);
    s.head = std::string();  // `head` pointed into it
    if (s.phase != Side::Phase::frames) return;
    const std::size_t used = head.length - before;  // of `bytes`
    if (used < bytes.size()) s.framer.feed(bytes.subspan(used), s);
}

void SipWebSocketHandler::on_head(Side& s, const sip::HttpHead& head) {
    if (head.is_request) {
        // The client offers permessage-deflate; the server's 101 says whether it took it.
        for (auto& each : sides_) each->framer.set_deflate_negotiated(head.permessage_deflate);
        s.phase = Side::Phase::frames;
        return;
    }
    if (head.status != 101) {
        s.on_anomaly(sip::WebSocketAnomaly::upgrade_refused);
        refused_ = true;
        for (auto& each : sides_) each->phase = Side::Phase::ignored;
        return;
    }
    if (!head.sip_protocol) s.on_anomaly(sip::WebSocketAnomaly::protocol_not_confirmed);
    for (auto& each : sides_) each->framer.set_deflate_negotiated(head.permessage_deflate);
    s.phase = Side::Phase::frames;
}

void SipWebSocketHandler::on_gap(net::Direction dir, std::size_t /*missing*/) {
    Side& s = side(dir);
    if (s.phase == Side::Phase::frames) {
        s.framer.on_gap(s);
    } else if (s.phase == Side::Phase::head) {
        s.on_anomaly(sip::WebSocketAnomaly::bad_handshake);
        s.head = std::string();
        s.phase = Side::Phase::frames;  // the head is lost: look for frames (the framer resyncs)
        s.framer.on_gap(s);
    }
}

}  // namespace scamgate::pipeline
