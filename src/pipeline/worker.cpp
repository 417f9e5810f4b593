#include "pipeline/worker.h"

#include <algorithm>

#include "pipeline/sip_flow.h"
#include "pipeline/sms_build.h"
#include "pipeline/stream_probe.h"

namespace scamgate::pipeline {

struct Worker::Impl final : net::DecodeSink, net::StreamHandlerFactory, net::SctpMessageSink, SipMessageSink, AnomalyLog {
    Impl(const PipelineConfig& cfg, record::ContactSink& contact_sink, Logger& logger)
        : config(cfg),
          log(logger),
          sms(config.sms, contact_sink),
          decoder(config.net, *this),
          tcp(config.tcp, *this),
          sctp(config.sctp, *this),
          calls(config.calls, contact_sink),
          datagrams(config.sip, config.sip_parser, sip_counters, *this) {}

    // net::DecodeSink
    void on_transport(const net::TransportPayload& payload) override {
        switch (payload.tuple.proto) {
            case net::IpProto::udp: datagrams.on_datagram(payload); break;
            case net::IpProto::tcp: tcp.on_segment(payload); break;
            case net::IpProto::sctp: sctp.on_packet(payload); break;
        }
    }

    // net::SctpMessageSink: an SCTP user message is one SIP message, bounded like a UDP datagram
    // (RFC 4168), so it takes the datagram path.
    void on_sctp_message(const net::TransportPayload& message, const net::SctpMessageInfo& /*info*/) override {
        datagrams.on_datagram(message);
    }
    void on_sctp_anomaly(const AnomalyInfo& anomaly) override { log_anomaly(anomaly.name, anomaly.description); }
    void on_anomaly(const AnomalyInfo& anomaly) override { log_anomaly(anomaly.name, anomaly.description); }

    // net::StreamHandlerFactory
    std::unique_ptr<net::StreamHandler> open(const net::TcpConnectionInfo& info,
                                             const net::TransportPayload& first) override {
        const bool smpp_port = is_smpp_port(info.originator_tuple.src_port) || is_smpp_port(info.originator_tuple.dst_port);
        auto decide = [this, smpp_port](ByteView bytes, bool final) -> std::optional<StreamProtocol> {
            if (smpp_port || looks_like_smpp(bytes, config.smpp.framer).value_or(false)) return StreamProtocol::smpp;
            return sip_stream_choice(as_text(bytes), final, websocket);
        };
        auto make = [this, info, encap = first.encap](StreamProtocol protocol) -> std::unique_ptr<net::StreamHandler> {
            switch (protocol) {
                case StreamProtocol::smpp:
                    return std::make_unique<SmppStreamHandler>(config.smpp, smpp_counters, sms, *this, info, encap);
                case StreamProtocol::websocket:
                    return std::make_unique<SipWebSocketHandler>(config.sip, config.sip_parser, websocket, sip_counters,
                                                                 *this, info, encap);
                case StreamProtocol::sip:
                    break;
            }
            return std::make_unique<SipStreamHandler>(config.sip, config.sip_parser, sip_counters, *this, info, encap);
        };
        return std::make_unique<StreamProbe>(decide, make);
    }

    bool is_smpp_port(std::uint16_t port) const {
        return std::find(config.smpp.ports.begin(), config.smpp.ports.end(), port) != config.smpp.ports.end();
    }

    // SipMessageSink: MESSAGE requests are SMS; their responses belong to no call.
    void on_sip_message(const sip::Message& message, const MessageOrigin& origin) override {
        if (message.is_request && message.method == "MESSAGE") return on_sip_sms(message, origin);
        if (!message.is_request) {
            auto cseq = sip::parse_cseq(message.first(sip::HeaderId::cseq));
            if (cseq && cseq->method == "MESSAGE") return;
        }
        calls.on_message(message, origin);
    }

    void on_sip_sms(const sip::Message& message, const MessageOrigin& origin) {
        ++sip_sms_requests;
        auto built = sms_from_sip_message(message, origin);
        count_sms_anomalies(built.anomalies, smpp_counters, *this);
        if (built.part) sms.on_part(std::move(*built.part));
    }

    // AnomalyLog
    void log_anomaly(const AnomalyInfo& anomaly) override { log_anomaly(anomaly.name, anomaly.description); }
    void on_sip_anomaly(sip::SipAnomaly anomaly) override {
        auto info = describe(anomaly);
        log_anomaly(info.name, info.description);
    }
    void on_websocket_anomaly(sip::WebSocketAnomaly anomaly) override {
        auto info = describe(anomaly);
        log_anomaly(info.name, info.description);
    }

    void log_anomaly(std::string_view name, std::string_view description) {
        if (!log_limiter.allow(name)) return;
        log.warn("{}: packet {}: {} ({}){}", source, current_packet, name, description,
                 log_limiter.is_last_allowed(name) ? "; further ones are only counted" : "");
    }

    void housekeeping(Timestamp now) {
        if (now < next_housekeeping) return;
        next_housekeeping = now + config.housekeeping_interval;
        decoder.expire(now);
        tcp.expire(now);
        sctp.expire(now);
        calls.expire(now);
        sms.expire(now);
    }

    PipelineConfig config;
    sip::WebSocketLimits websocket = websocket_limits(config);
    Logger& log;
    LogLimiter log_limiter;
    // Before the TCP reassembler: stream handlers hold references to it until they are destroyed.
    SmsTracker sms;
    SmppCounters smpp_counters;
    std::uint64_t sip_sms_requests = 0;
    net::PacketDecoder decoder;
    net::TcpReassembler tcp;
    net::SctpAssembler sctp;
    CallTracker calls;
    SipCounters sip_counters;
    SipDatagramPath datagrams;
    std::string source;
    std::uint64_t current_packet = 0;
    Timestamp last_ts = 0;
    Timestamp next_housekeeping = 0;
};

sip::WebSocketLimits websocket_limits(const PipelineConfig& config) {
    sip::WebSocketLimits limits = config.websocket;
    limits.max_message_size = config.sip_parser.max_message_size;
    return limits;
}

Worker::Worker(const PipelineConfig& config, record::ContactSink& sink, Logger& log)
    : impl_(std::make_unique<Impl>(config, sink, log)) {}

Worker::~Worker() = default;

void Worker::begin_source(const std::string& name) {
    impl_->source = name;
    impl_->calls.set_source_name(name);
    impl_->sms.set_source_name(name);
    impl_->next_housekeeping = 0;
}

void Worker::on_packet(const capture::Packet& packet) {
    impl_->current_packet = packet.number;
    impl_->last_ts = std::max(impl_->last_ts, packet.ts);
    impl_->decoder.decode(packet);
    impl_->housekeeping(packet.ts);
}

void Worker::advance_clock(Timestamp ts) { impl_->last_ts = std::max(impl_->last_ts, ts); }

void Worker::housekeep_at(Timestamp now) {
    advance_clock(now);
    impl_->housekeeping(now);
}

void Worker::end_source() {
    impl_->tcp.close_all();
    impl_->sctp.clear();
    impl_->calls.flush(record::CallEnd::capture_end, impl_->last_ts);
    impl_->sms.flush();
    impl_->decoder.expire(impl_->last_ts + impl_->config.net.fragment_timeout + 1);
    impl_->last_ts = 0;
}

StatsReport Worker::stats() const {
    StatsReport report;
    impl_->decoder.append_stats(report);
    impl_->tcp.append_stats(report);
    impl_->sctp.append_stats(report);
    impl_->sip_counters.append_to(report);
    impl_->calls.append_stats(report);
    impl_->smpp_counters.append_to(report);
    impl_->sms.append_stats(report);
    report.add("sip.message_requests", impl_->sip_sms_requests);
    return report;
}

}  // namespace scamgate::pipeline
