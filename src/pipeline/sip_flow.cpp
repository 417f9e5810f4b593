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
    anomalies.append_to(report);
}

namespace {

bool is_keepalive(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\0'; });
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
            return DatagramOutcome::not_sip;
        }
        start = *found;
        counters_.anomalies.add(sip::SipAnomaly::junk_before_start_line);
        sink_.on_sip_anomaly(sip::SipAnomaly::junk_before_start_line);
    }

    auto result = sip::parse_message(text.substr(start), sip::Framing::datagram, message_, limits_);
    if (result.status != sip::ParseStatus::ok) {
        ++counters_.parse_errors;
        counters_.anomalies.add(result.anomaly);
        sink_.on_sip_anomaly(result.anomaly);
        return DatagramOutcome::parse_error;
    }
    count_message(message_, counters_);
    count_warnings(result, counters_, sink_);
    sink_.on_sip_message(message_, MessageOrigin{datagram.ts, datagram.tuple, datagram.encap, datagram.packet_number});
    return DatagramOutcome::sip;
}

// --- TCP -----------------------------------------------------------------------------------

struct SipStreamHandler::DirectionState final : sip::StreamFramer::Sink {
    DirectionState(const sip::ParserLimits& limits, SipCounters& counters, SipMessageSink& sink,
                   net::FlowTuple tuple, const net::Encapsulation& encap)
        : framer(limits), counters_(counters), sink_(sink), tuple_(tuple), encap_(encap) {}

    void on_message(const sip::Message& message, std::string_view /*raw*/) override {
        count_message(message, counters_);
        sink_.on_sip_message(message, MessageOrigin{meta_.ts, tuple_, encap_, meta_.packet_number});
    }
    void on_anomaly(sip::SipAnomaly anomaly) override {
        if (anomaly == sip::SipAnomaly::message_too_large || anomaly == sip::SipAnomaly::bad_start_line ||
            anomaly == sip::SipAnomaly::bad_content_length || anomaly == sip::SipAnomaly::too_many_headers ||
            anomaly == sip::SipAnomaly::bad_header_line || anomaly == sip::SipAnomaly::missing_header_end) {
            ++counters_.parse_errors;
        }
        counters_.anomalies.add(anomaly);
        sink_.on_sip_anomaly(anomaly);
    }

    Verdict verdict = Verdict::undecided;
    std::string probe_buffer;
    sip::StreamFramer framer;
    net::SegmentMeta meta_;

private:
    SipCounters& counters_;
    SipMessageSink& sink_;
    net::FlowTuple tuple_;
    net::Encapsulation encap_;
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
    const std::size_t room = detection_.stream_probe_window - std::min(side.probe_buffer.size(), detection_.stream_probe_window);
    const std::size_t taken = std::min(room, bytes.size());
    side.probe_buffer.append(bytes.substr(0, taken));
    auto start = sip::find_start_line(side.probe_buffer, side.probe_buffer.size());
    if (start) {
        if (!counted_as_sip_) {
            counted_as_sip_ = true;
            ++counters_.tcp_streams;
        }
        side.verdict = Verdict::sip;
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

void SipStreamHandler::feed(DirectionState& side, std::string_view bytes, const net::SegmentMeta& meta) {
    side.meta_ = meta;
    side.framer.feed(bytes, side);
}

void SipStreamHandler::on_gap(net::Direction dir, std::size_t /*missing*/) {
    DirectionState& side = state(dir);
    if (side.verdict == Verdict::sip) {
        side.framer.on_gap(side);
    } else if (side.verdict == Verdict::undecided) {
        side.probe_buffer.clear();
    }
}

}  // namespace scamgate::pipeline
