#include "app/inline_gate.h"

#include <algorithm>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "capture/packet.h"
#include "net/decoder.h"
#include "pipeline/call_tracker.h"
#include "pipeline/sms_build.h"
#include "sip/message.h"
#include "sip/rewrite.h"

namespace scamgate::app {

namespace {

constexpr int kLinktypeRaw = 101;  // LINKTYPE_RAW: the packet starts with its IP header

// The UDP datagram or TCP segment of one packet, copied out of the decoder's callback.
class PayloadCatcher final : public net::DecodeSink {
public:
    void on_transport(const net::TransportPayload& payload) override {
        tuple = payload.tuple;
        bytes.assign(reinterpret_cast<const char*>(payload.payload.data()), payload.payload.size());
        found = true;
    }
    bool found = false;
    net::FlowTuple tuple;
    std::string bytes;
};

// The IP datagram's layout when its transport payload is exactly `payload` (not a reassembled
// fragment, not tunnelled): only then may the packet be changed.
std::optional<net::DatagramLayout> changeable_layout(ByteView ip, std::string_view payload) {
    auto layout = net::layout_of(ip);
    if (!layout || layout->end - layout->payload_offset != payload.size()) return std::nullopt;
    if (as_text(ip.subspan(layout->payload_offset, payload.size())) != payload) return std::nullopt;
    return layout;
}

// `reason` fitted into exactly `length` characters (cut, or padded with spaces).
std::string fitted(std::string_view reason, std::size_t length) {
    std::string out(reason.substr(0, std::min(reason.size(), length)));
    out.resize(length, ' ');
    return out;
}

bool enforced_block(const record::Verdict& verdict) {
    return verdict.enforced && (verdict.action == "drop" || verdict.action == "reject");
}

std::string to_tag_for(std::string_view call_id) {
    return fmt::format("sg{:016x}", std::hash<std::string_view>{}(call_id));
}

}  // namespace

net::PacketBytes reply_datagram(const InlineReply& reply) { return net::build_udp_datagram(reply.tuple, reply.payload); }

void record_sent(pipeline::Worker& worker, ByteView datagram, Timestamp ts, std::uint64_t number) {
    capture::Packet packet;
    packet.ts = ts;
    packet.linktype = kLinktypeRaw;
    packet.data = datagram;
    packet.wire_length = static_cast<std::uint32_t>(datagram.size());
    packet.number = number;
    worker.on_packet(packet);
}

void log_decision(Logger& log, std::string_view mode, const InlineDecision& decision) {
    if (decision.action.empty() || decision.remembered) return;
    const bool changed = decision.verdict == PacketVerdict::drop || decision.rewritten || decision.reply;
    if (!changed && decision.action != "tag") return;
    log.info("{}: call-id {}: {}{} -> {}", mode, decision.call_id, decision.action, decision.enforced ? " (enforced)" : "",
             decision.verdict == PacketVerdict::drop ? "dropped"
             : decision.rewritten                    ? "forwarded changed"
                                                     : "forwarded unchanged");
}

void append_latency_stats(const LatencyHistogram& latency, StatsReport& stats) {
    stats.set("inline.latency_samples", latency.count());
    stats.set("inline.latency_p50_us", latency.percentile_micros(0.50));
    stats.set("inline.latency_p99_us", latency.percentile_micros(0.99));
    stats.set("inline.latency_max_us", latency.max_micros());
}

std::string sip_final_response(std::string_view request, int status, std::string_view reason, std::string_view to_tag) {
    sip::Message message;
    if (sip::parse_message(request, sip::Framing::datagram, message).status != sip::ParseStatus::ok) return {};
    if (!message.is_request) return {};
    std::string out = fmt::format("SIP/2.0 {} {}\r\n", status, reason);
    for (const auto& header : message.headers) {
        switch (header.id) {
            case sip::HeaderId::via:
            case sip::HeaderId::from:
            case sip::HeaderId::call_id:
            case sip::HeaderId::cseq:
                out += fmt::format("{}: {}\r\n", sip::header_canonical_name(header.id), sip::unfold(header.value));
                break;
            case sip::HeaderId::to: {
                std::string value = sip::unfold(header.value);
                auto to = sip::parse_name_addr(value);
                if (to && to->tag().empty()) value += fmt::format(";tag={}", to_tag);
                out += fmt::format("To: {}\r\n", value);
                break;
            }
            default:
                break;
        }
    }
    out += "Server: scamgate\r\nContent-Length: 0\r\n\r\n";
    return out;
}

struct InlineGate::Impl {
    struct Remembered {
        std::string action;
        std::optional<InlineReply> reply;  // re-sent for each retransmitted INVITE
        Timestamp until = 0;
    };
    // A TCP request whose Max-Forwards was zeroed for a reject: the 483 that comes back is changed.
    struct TcpReject {
        int status = 603;
        std::string reason;
        Timestamp until = 0;
    };

    Impl(const detect::Detector& d, const policy::Policy& p, const pipeline::PipelineConfig& c)
        : user(d, p), config(c), decoder(config.net, catcher) {}
    Impl(const policy::SnapshotSource& source, const pipeline::PipelineConfig& c)
        : user(source), config(c), decoder(config.net, catcher) {}

    InlineDecision on_packet(ByteView ip, Timestamp now) {
        InlineDecision decision;
        ++packets;
        sweep(now);
        if (!decode(ip, now)) return decision;
        const std::string_view text = catcher.bytes;
        if (!sip::starts_with_start_line(text)) return decision;
        const bool tcp = catcher.tuple.proto == net::IpProto::tcp;
        const auto parsed = sip::parse_message(text, tcp ? sip::Framing::stream : sip::Framing::datagram, message,
                                               config.sip_parser);
        if (parsed.status != sip::ParseStatus::ok) {
            if (tcp && parsed.status == sip::ParseStatus::incomplete && looks_decidable(text)) ++tcp_unsafe;
            return decision;
        }
        if (!message.is_request) {
            if (tcp) rewrite_tcp_response(ip, text, decision);
            return decision;
        }
        const std::string call_id = sip::unfold(message.first(sip::HeaderId::call_id));
        if (call_id.empty()) return decision;
        if (!tcp && drop_remembered(call_id, decision)) return decision;

        auto contact = contact_of(call_id, now);
        if (!contact) return decision;
        ++decided;
        const policy::DetectionSnapshot& snapshot = user.refresh();
        record::Verdict verdict = snapshot.detector->assess(*contact, user.scratch());
        policy::decide(*snapshot.policy, *contact, verdict);
        decision.call_id = call_id;
        decision.action = verdict.action;
        decision.enforced = verdict.enforced;
        if (!verdict.enforced) return decision;
        if (tcp) {
            apply_tcp(ip, text, call_id, verdict, now, decision);
        } else {
            apply_udp(ip, text, call_id, verdict, now, decision);
        }
        return decision;
    }

    // Runs the decoder over `ip`; true when it produced a UDP datagram or TCP segment payload.
    bool decode(ByteView ip, Timestamp now) {
        catcher.found = false;
        capture::Packet packet;
        packet.ts = now;
        packet.linktype = kLinktypeRaw;
        packet.data = ip;
        packet.wire_length = static_cast<std::uint32_t>(ip.size());
        packet.number = packets;
        decoder.decode(packet);
        return catcher.found && !catcher.bytes.empty();
    }

    static bool looks_decidable(std::string_view text) { return text.starts_with("INVITE ") || text.starts_with("MESSAGE "); }

    // A later request of a call we stopped: retransmissions, the ACK of our response, CANCEL.
    bool drop_remembered(const std::string& call_id, InlineDecision& decision) {
        auto it = remembered.find(call_id);
        if (it == remembered.end()) return false;
        decision.verdict = PacketVerdict::drop;
        decision.call_id = call_id;
        decision.action = it->second.action;
        decision.enforced = true;
        decision.remembered = true;
        if (it->second.reply && message.method == "INVITE") decision.reply = it->second.reply;
        ++remembered_drops;
        return true;
    }

    // The provisional record of an initial INVITE or a MESSAGE; nullopt for anything else.
    std::optional<record::Contact> contact_of(const std::string& call_id, Timestamp now) {
        const pipeline::MessageOrigin origin{now, catcher.tuple, {}, packets};
        if (pipeline::is_initial_invite(message)) return pipeline::call_from_invite(message, origin, call_id, "inline");
        if (message.method != "MESSAGE") return std::nullopt;
        auto built = pipeline::sms_from_sip_message(message, origin);
        if (!built.part) return std::nullopt;
        record::Contact contact = std::move(built.part->contact);
        contact.source = "inline";
        return contact;
    }

    void apply_udp(ByteView ip, std::string_view text, const std::string& call_id, const record::Verdict& verdict,
                   Timestamp now, InlineDecision& decision) {
        if (verdict.action == "tag") {
            tag_udp(ip, text, verdict, decision);
            return;
        }
        if (!enforced_block(verdict)) return;
        decision.verdict = PacketVerdict::drop;
        Remembered memory{verdict.action, std::nullopt, now + config.calls.linger};
        if (verdict.action == "reject") {
            ++rejected;
            InlineReply reply;
            reply.tuple = catcher.tuple.reversed();
            reply.payload = sip_final_response(text, verdict.sip_status.value_or(603),
                                               verdict.sip_reason.empty() ? "Decline" : verdict.sip_reason,
                                               to_tag_for(call_id));
            if (!reply.payload.empty()) {
                memory.reply = reply;
                decision.reply = std::move(reply);
            }
        } else {
            ++dropped;
        }
        if (remembered.size() < config.calls.max_calls) remembered.insert_or_assign(call_id, std::move(memory));
    }

    void tag_udp(ByteView ip, std::string_view text, const record::Verdict& verdict, InlineDecision& decision) {
        auto tagged = sip::with_tag(text, message, verdict.tag_headers, verdict.display_name_prefix);
        std::optional<net::PacketBytes> datagram;
        if (tagged && changeable_layout(ip, text)) datagram = net::replace_udp_payload(ip, *tagged);
        if (!datagram) {
            ++not_applied;
            return;
        }
        ++tagged_count;
        decision.rewritten = std::move(datagram);
    }

    // Drop and reject on TCP: Max-Forwards zeroed in place, the segment forwarded.
    void apply_tcp(ByteView ip, std::string_view text, const std::string& call_id, const record::Verdict& verdict,
                   Timestamp now, InlineDecision& decision) {
        if (!enforced_block(verdict)) {
            if (verdict.action == "tag") ++not_applied;
            return;
        }
        auto layout = net::layout_of(ip);
        auto digits = sip::max_forwards_digits(text, message);
        if (!layout || !digits || layout->payload_offset + text.size() > layout->end ||
            as_text(ip.subspan(layout->payload_offset, text.size())) != text) {
            ++tcp_unsafe;
            return;
        }
        net::PacketBytes changed(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(layout->end));
        std::fill_n(changed.begin() + static_cast<std::ptrdiff_t>(layout->payload_offset + digits->first), digits->second, '0');
        net::fix_checksums(changed);
        decision.rewritten = std::move(changed);
        ++tcp_rewritten;
        ++(verdict.action == "reject" ? rejected : dropped);
        if (verdict.action == "reject" && tcp_rejects.size() < config.calls.max_calls) {
            tcp_rejects.insert_or_assign(call_id, TcpReject{verdict.sip_status.value_or(603),
                                                            verdict.sip_reason.empty() ? "Decline" : verdict.sip_reason,
                                                            now + config.calls.linger});
        }
    }

    // The next hop's 483 for a request we zeroed: its status code and reason become the rule's.
    void rewrite_tcp_response(ByteView ip, std::string_view text, InlineDecision& decision) {
        if (message.status_code != 483) return;
        const std::string call_id = sip::unfold(message.first(sip::HeaderId::call_id));
        auto it = tcp_rejects.find(call_id);
        if (it == tcp_rejects.end()) return;
        auto layout = net::layout_of(ip);
        const std::string_view reason = message.reason_phrase;
        const bool in_text = reason.data() >= text.data() && reason.data() + reason.size() <= text.data() + text.size();
        if (!layout || !in_text || !text.starts_with("SIP/2.0 483 ") ||
            as_text(ip.subspan(layout->payload_offset, std::min(text.size(), layout->end - layout->payload_offset))) != text) {
            ++tcp_unsafe;
            return;
        }
        net::PacketBytes changed(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(layout->end));
        const std::string status = std::to_string(it->second.status);
        auto* payload = changed.data() + layout->payload_offset;
        std::copy(status.begin(), status.end(), payload + 8);
        const std::string reason_text = fitted(it->second.reason, reason.size());
        std::copy(reason_text.begin(), reason_text.end(), payload + (reason.data() - text.data()));
        net::fix_checksums(changed);
        decision.rewritten = std::move(changed);
        decision.call_id = call_id;
        ++tcp_responses_rewritten;
        tcp_rejects.erase(it);
    }

    void sweep(Timestamp now) {
        if (now < next_sweep) return;
        next_sweep = now + seconds(1);
        std::erase_if(remembered, [now](const auto& entry) { return entry.second.until <= now; });
        std::erase_if(tcp_rejects, [now](const auto& entry) { return entry.second.until <= now; });
        decoder.expire(now);
    }

    policy::SnapshotUser user;
    pipeline::PipelineConfig config;
    PayloadCatcher catcher;
    net::PacketDecoder decoder;
    sip::Message message;
    std::unordered_map<std::string, Remembered> remembered;
    std::unordered_map<std::string, TcpReject> tcp_rejects;
    Timestamp next_sweep = 0;
    std::uint64_t packets = 0;
    std::uint64_t decided = 0;
    std::uint64_t dropped = 0;
    std::uint64_t rejected = 0;
    std::uint64_t tagged_count = 0;
    std::uint64_t remembered_drops = 0;
    std::uint64_t tcp_rewritten = 0;
    std::uint64_t tcp_responses_rewritten = 0;
    std::uint64_t tcp_unsafe = 0;
    std::uint64_t not_applied = 0;
};

InlineGate::InlineGate(const detect::Detector& detector, const policy::Policy& policy,
                       const pipeline::PipelineConfig& config)
    : impl_(std::make_unique<Impl>(detector, policy, config)) {}

InlineGate::InlineGate(const policy::SnapshotSource& source, const pipeline::PipelineConfig& config)
    : impl_(std::make_unique<Impl>(source, config)) {}

InlineGate::~InlineGate() = default;

InlineDecision InlineGate::on_packet(ByteView ip, Timestamp now) { return impl_->on_packet(ip, now); }

void InlineGate::append_stats(StatsReport& report) const {
    report.add("inline.packets", impl_->packets);
    report.add("inline.sip_decided", impl_->decided);
    report.add("inline.dropped", impl_->dropped);
    report.add("inline.rejected", impl_->rejected);
    report.add("inline.tagged", impl_->tagged_count);
    report.add("inline.remembered_drops", impl_->remembered_drops);
    report.add("inline.tcp_rewritten", impl_->tcp_rewritten);
    report.add("inline.tcp_responses_rewritten", impl_->tcp_responses_rewritten);
    report.add("inline.tcp_unsafe", impl_->tcp_unsafe);
    report.add("inline.not_applied", impl_->not_applied);
}

}  // namespace scamgate::app
