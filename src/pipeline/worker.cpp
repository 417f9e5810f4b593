#include "pipeline/worker.h"

#include <algorithm>

#include "pipeline/decision.h"
#include "pipeline/sip_flow.h"
#include "pipeline/sms_build.h"
#include "pipeline/stream_probe.h"

namespace scamgate::pipeline {

namespace {

// Between the trackers and the worker's sink. While an inline loop's packet is being handled the
// records finished meanwhile are held, so that they reach the detection stage only after the
// packet's verdict is set and what was carried out is known (release()).
class Outbox final : public record::ContactSink {
public:
    explicit Outbox(record::ContactSink& next) : next_(next) {}
    void on_contact(const record::Contact& contact) override {
        if (holding_) {
            held_.push_back(contact);
        } else {
            next_.on_contact(contact);
        }
    }
    void hold() { holding_ = true; }
    void release() {
        holding_ = false;
        // Moved out first: a sink that reaches back into the worker finds the outbox empty.
        std::vector<record::Contact> held = std::exchange(held_, {});
        for (const auto& contact : held) next_.on_contact(contact);
    }

private:
    record::ContactSink& next_;
    std::vector<record::Contact> held_;
    bool holding_ = false;
};

}  // namespace

struct Worker::Impl final : net::DecodeSink,
                             net::StreamHandlerFactory,
                             net::SctpMessageSink,
                             SipMessageSink,
                             SmppPduObserver,
                             AnomalyLog {
    Impl(const PipelineConfig& cfg, record::ContactSink& contact_sink, Logger& logger, record::ContactDecider* judge)
        : config(cfg),
          log(logger),
          decider(judge),
          outbox(contact_sink),
          sms(config.sms, outbox),
          decoder(config.net, *this),
          tcp(config.tcp, *this),
          sctp(config.sctp, *this),
          calls(config.calls, outbox, {}, judge),
          datagrams(config.sip, config.sip_parser, sip_counters, *this) {}

    // net::DecodeSink
    void on_transport(const net::TransportPayload& payload) override {
        switch (payload.tuple.proto) {
            case net::IpProto::udp: on_sip_datagram(payload); break;
            case net::IpProto::tcp: tcp.on_segment(payload); break;
            case net::IpProto::sctp: sctp.on_packet(payload); break;
        }
    }

    // net::SctpMessageSink: an SCTP user message is one SIP message, bounded like a UDP datagram
    // (RFC 4168), so it takes the datagram path.
    void on_sctp_message(const net::TransportPayload& message, const net::SctpMessageInfo& /*info*/) override {
        on_sip_datagram(message);
    }

    // A datagram (or SCTP user message); with an enforcer, what could not be read on a SIP port is
    // reported to it (inline.unparsed).
    void on_sip_datagram(const net::TransportPayload& datagram) {
        const DatagramOutcome outcome = datagrams.on_datagram(datagram);
        if (enforcer == nullptr) return;
        if (outcome == DatagramOutcome::not_sip_on_sip_port) {
            enforcer->on_unreadable(describe(sip::SipAnomaly::bad_start_line).name, datagram.tuple);
        } else if (outcome == DatagramOutcome::parse_error) {
            enforcer->on_unreadable(describe(datagrams.last_error()).name, datagram.tuple);
        }
    }

    // A message read from the current packet, to the packet's enforcer (inline only): a request,
    // or a response read from a stream (the enforcer may change what comes back for a call it
    // refused there).
    void tell_enforcer(const sip::Message& message, const MessageOrigin& origin, const MessageRead& read,
                       const record::Verdict* verdict, WireRole role) {
        if (enforcer == nullptr) return;
        enforcer->on_sip_message(SipMessageOnWire{message, read.text, origin.tuple, origin.carrier, read.wire,
                                                  sip::unfold(message.first(sip::HeaderId::call_id)), verdict, role});
    }

    // An INVITE or MESSAGE without Call-ID cannot be tracked, so it cannot be judged.
    bool unjudgeable(const sip::Message& message, const MessageOrigin& origin) {
        if (enforcer == nullptr || !message.is_request) return false;
        if (message.method != "INVITE" && message.method != "MESSAGE") return false;
        if (!sip::unfold(message.first(sip::HeaderId::call_id)).empty()) return false;
        enforcer->on_unreadable(describe(sip::SipAnomaly::missing_call_id).name, origin.tuple);
        return true;
    }

    // SmppPduObserver: an SMS part is judged here (unless it is one part of a concatenated SMS),
    // before the tracker holds it for its response; inline, the packet's enforcer is told.
    void on_message_pdu(const smpp::Pdu& pdu, ByteView bytes, const MessageOrigin& origin, SmsPart& part) override {
        if (decider != nullptr && !is_concatenated(part)) decider->decide(part.contact);
        if (enforcer == nullptr) return;
        const auto& verdict = part.contact.verdict;
        enforcer->on_smpp_pdu(SmppPduOnWire{pdu, bytes, origin.tuple, &part.contact, verdict ? &*verdict : nullptr,
                                            WireRole::decision});
    }
    void on_response_pdu(const smpp::Pdu& pdu, ByteView bytes, const MessageOrigin& origin) override {
        if (enforcer != nullptr) {
            enforcer->on_smpp_pdu(SmppPduOnWire{pdu, bytes, origin.tuple, nullptr, nullptr, WireRole::follow_up});
        }
    }
    void on_unreadable_pdu(std::string_view anomaly, const MessageOrigin& origin) override {
        if (enforcer != nullptr) enforcer->on_unreadable(anomaly, origin.tuple);
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
                    return std::make_unique<SmppStreamHandler>(config.smpp, smpp_counters, sms, *this, info, encap, this);
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
    void on_sip_message(const sip::Message& message, const MessageOrigin& origin, const MessageRead& read) override {
        if (unjudgeable(message, origin)) return;
        if (message.is_request && message.method == "MESSAGE") return on_sip_sms(message, origin, read);
        if (!message.is_request) {
            if (origin.tuple.proto == net::IpProto::tcp) tell_enforcer(message, origin, read, nullptr, WireRole::response);
            auto cseq = sip::parse_cseq(message.first(sip::HeaderId::cseq));
            if (cseq && cseq->method == "MESSAGE") return;
        }
        const CallMessageSeen seen = calls.on_message(message, origin, read.head_verdict);
        // A request whose head was handed on was told to the enforcer then.
        if (!seen.known_call || !message.is_request || read.head_seen) return;
        tell_enforcer(message, origin, read, seen.verdict, seen.judged_now ? WireRole::decision : WireRole::follow_up);
    }

    // SIP over TCP: an initial INVITE whose body is still to come is judged on its head, so the
    // enforcer acts while the segment that completes the head is in hand. Detection reads no
    // field of a call's body (the SDP only fills the record). A request of a call already tracked
    // (the retry with credentials) keeps the call's verdict.
    std::optional<record::Verdict> on_sip_head(const sip::Message& head, const MessageOrigin& origin,
                                               const MessageRead& read) override {
        if (!head.is_request || !is_initial_invite(head)) return std::nullopt;
        const std::string call_id = sip::unfold(head.first(sip::HeaderId::call_id));
        if (call_id.empty()) return std::nullopt;  // the whole message is reported as unjudgeable
        if (const CallMessageSeen known = calls.known(call_id); known.known_call) {
            tell_enforcer(head, origin, read, known.verdict, WireRole::follow_up);
            return std::nullopt;
        }
        record::Contact provisional = call_from_invite(head, origin, call_id);
        if (decider != nullptr) decider->decide(provisional);
        if (!provisional.verdict) return std::nullopt;
        tell_enforcer(head, origin, read, &*provisional.verdict, WireRole::decision);
        return provisional.verdict;
    }

    void on_sip_unreadable(sip::SipAnomaly anomaly, const net::FlowTuple& tuple) override {
        if (enforcer != nullptr) enforcer->on_unreadable(describe(anomaly).name, tuple);
    }

    // A MESSAGE is judged here, before its enforcer hears of it, unless it is one part of a
    // concatenated SMS (judged on the joined text when recorded).
    void on_sip_sms(const sip::Message& message, const MessageOrigin& origin, const MessageRead& read) {
        ++sip_sms_requests;
        auto built = sms_from_sip_message(message, origin);
        count_sms_anomalies(built.anomalies, smpp_counters, *this);
        if (!built.part) return;
        if (decider != nullptr && !is_concatenated(*built.part)) decider->decide(built.part->contact);
        const auto& verdict = built.part->contact.verdict;
        tell_enforcer(message, origin, read, verdict ? &*verdict : nullptr, WireRole::decision);
        sms.on_part(std::move(*built.part));
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
    record::ContactDecider* decider = nullptr;
    PacketEnforcer* enforcer = nullptr;                      // the current packet's, inline only
    Outbox outbox;
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

Worker::Worker(const PipelineConfig& config, record::ContactSink& sink, Logger& log, record::ContactDecider* decider)
    : impl_(std::make_unique<Impl>(config, sink, log, decider)) {}

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

void Worker::on_packet(const capture::Packet& packet, PacketEnforcer& enforcer) {
    impl_->current_packet = packet.number;
    impl_->last_ts = std::max(impl_->last_ts, packet.ts);
    impl_->outbox.hold();
    impl_->enforcer = &enforcer;
    impl_->decoder.decode(packet);
    impl_->enforcer = nullptr;
}

void Worker::settle_packet(Timestamp now) {
    impl_->outbox.release();
    impl_->housekeeping(now);
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
