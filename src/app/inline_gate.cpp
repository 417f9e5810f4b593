#include "app/inline_gate.h"

#include <algorithm>
#include <functional>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "capture/packet.h"
#include "net/decoder.h"
#include "net/sctp.h"
#include "pipeline/call_tracker.h"
#include "pipeline/sms_build.h"
#include "sip/message.h"
#include "sip/rewrite.h"
#include "sip/websocket.h"
#include "smpp/pdu.h"
#include "smpp/stream_framer.h"

namespace scamgate::app {

namespace {

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

// The first reserved SMPP type of number (3.4 and 5.0 define 0..6): an SMSC refuses it with
// ESME_RINVDSTTON.
constexpr std::uint8_t kInvalidTon = 0x07;

struct SmppExchange {
    net::FlowTuple tuple;  // the direction the response travels (SMSC -> ESME)
    std::uint32_t sequence = 0;
    bool operator==(const SmppExchange&) const = default;
};

struct SmppExchangeHash {
    std::size_t operator()(const SmppExchange& e) const noexcept { return e.tuple.hash() * 31 + e.sequence; }
};

// Where dest_addr_ton is in a submit_sm / data_sm PDU: after the header, service_type and the
// source address (ton, npi, C-string).
std::size_t dest_ton_offset(const smpp::ShortMessage& message) {
    return 16 + message.service_type.size() + 1 + 2 + message.source.value.size() + 1;
}

bool enforced_block(const record::Verdict& verdict) {
    return verdict.policy_enforces && (verdict.action == "drop" || verdict.action == "reject");
}

// The SIP answer of a reject: the rule's status and reason (decide() fills both for a reject; the
// fallback is the policy's own default, 603 Decline).
std::pair<int, std::string> sip_answer(const record::Verdict& verdict) {
    return {verdict.sip_status.value_or(603), verdict.sip_reason.empty() ? std::string("Decline") : verdict.sip_reason};
}

// A copy of the datagram `ip` (up to its IP length) to change in place.
net::PacketBytes copy_to_change(ByteView ip, const net::DatagramLayout& layout) {
    return net::PacketBytes(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(layout.end));
}

std::string to_tag_for(std::string_view call_id) {
    return fmt::format("sg{:016x}", std::hash<std::string_view>{}(call_id));
}

}  // namespace

net::PacketBytes reply_datagram(const InlineReply& reply) { return net::build_udp_datagram(reply.tuple, reply.payload); }

void record_sent(pipeline::Worker& worker, ByteView datagram, Timestamp ts, std::uint64_t number) {
    worker.on_packet(capture::raw_ip_packet(datagram, ts, number));
}

void log_decision(Logger& log, std::string_view mode, const InlineDecision& decision) {
    // Unparsed packets are logged (rate-limited) by the worker as anomalies, and evented.
    if (decision.action.empty() || decision.remembered || !decision.unparsed.empty()) return;
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

// Receives nothing: the records of a gate that runs its own worker (a gate on its own, as in
// tests and fuzzing) go nowhere.
class DiscardContacts final : public record::ContactSink {
public:
    void on_contact(const record::Contact& /*contact*/) override {}
};

struct InlineGate::Impl final : pipeline::PacketEnforcer {
    // A submit_sm whose destination TON was made invalid for a reject: its response gets this status.
    struct SmppReject {
        std::uint32_t status = 0x45;
        Timestamp until = 0;
    };
    // A TCP request whose Max-Forwards was zeroed for a reject: the 483 that comes back is changed.
    struct TcpReject {
        int status = 603;
        std::string reason;
        Timestamp until = 0;
    };

    Impl(const detect::Detector& d, const policy::Policy& p, const pipeline::PipelineConfig& c, const InlineSettings& s)
        : user(d, p), config(c), settings(s), ledger(config.calls.max_calls) {
        own_stage.emplace(d, p, discard);
        own_worker.emplace(config, discard, own_log, &*own_stage);
        worker = &*own_worker;
    }
    Impl(const policy::SnapshotSource& source, const pipeline::PipelineConfig& c, const InlineSettings& s)
        : user(source), config(c), settings(s), ledger(config.calls.max_calls) {
        own_stage.emplace(source, discard);
        own_worker.emplace(config, discard, own_log, &*own_stage);
        worker = &*own_worker;
    }
    Impl(const policy::SnapshotSource& source, pipeline::Worker& w, const pipeline::PipelineConfig& c,
         const InlineSettings& s)
        : user(source), config(c), settings(s), worker(&w), ledger(config.calls.max_calls) {}

    // The worker reads the packet and judges what it decides on; what it read comes back through
    // the PacketEnforcer hooks below. `enforced` is true only when the message decided last in
    // the packet has its action carried out by the verdict (or it is a later packet of a call
    // already blocked, or an unparsed packet dropped).
    InlineDecision on_packet(const capture::Packet& frame) {
        InlineDecision decision;
        ++packets;
        const auto ip_offset = net::ip_offset_in_frame(frame.data, frame.linktype);
        current = PacketInHand{ip_offset ? frame.data.subspan(*ip_offset) : ByteView(), frame.ts, ip_offset.has_value(),
                               &decision, std::nullopt};
        if (current.locatable && is_fragment(current.ip)) ++fragments;
        sweep(frame.ts);
        worker->on_packet(frame, *this);
        if (current.changed) {
            net::fix_checksums(*current.changed);
            decision.rewritten = std::move(current.changed);
        }
        current = {};
        if (!decision.decided.empty()) {
            const DecidedMessage& last = decision.decided.back();
            decision.enforced = record::acts_on_wire(last.action) && !last.not_enforced;
        }
        last_ts = frame.ts;
        return decision;
    }

    // --- pipeline::PacketEnforcer: the worker's decisions --------------------------------------

    void on_sip_message(const pipeline::SipMessageOnWire& wire) override {
        if (!current.locatable || current.decision == nullptr) return;  // not a frame the gate can act on
        InlineDecision& decision = *current.decision;
        if (wire.tuple.proto == net::IpProto::tcp) return on_stream_message(wire, decision);
        if (wire.role == pipeline::WireRole::response) return;
        const bool sctp = wire.tuple.proto == net::IpProto::sctp;
        if (wire.role == pipeline::WireRole::follow_up) {
            if (!sctp && wire.verdict != nullptr) follow_up(wire, *wire.verdict, decision);
            return;
        }
        if (wire.verdict == nullptr) return;  // nothing judged it (no detection)
        const record::Verdict& verdict = *wire.verdict;
        ++sip_decided;
        note_decided(record::sip_message_key(wire.call_id), std::string(wire.call_id), verdict, decision);
        if (!verdict.policy_enforces) return;
        if (sctp) {
            // SIP over SCTP: nothing is enforced. Dropping the packet would drop chunks the
            // association then retransmits and finally aborts on, taking every other call on it
            // along, and a same-length rewrite (Max-Forwards, as on TCP) is not done yet.
            if (record::acts_on_wire(verdict.action)) {
                ++not_applied;
                not_carried_out(decision, record::NotEnforcedReason::sctp);
            }
            return;
        }
        apply_udp(wire, verdict, decision);
    }

    // SIP over TCP or WebSocket: a segment is never dropped (the connection carries other calls).
    // A request judged here has its Max-Forwards zeroed in place when those bytes are in this
    // packet; the 483 that comes back for a reject gets the rule's status.
    void on_stream_message(const pipeline::SipMessageOnWire& wire, InlineDecision& decision) {
        if (wire.role == pipeline::WireRole::response) return rewrite_tcp_response(wire, decision);
        if (wire.verdict == nullptr) return;
        const record::Verdict& verdict = *wire.verdict;
        if (wire.role == pipeline::WireRole::follow_up) return refuse_retry(wire, verdict, decision);
        ++sip_decided;
        note_decided(record::sip_message_key(wire.call_id), std::string(wire.call_id), verdict, decision);
        if (!verdict.policy_enforces) return;
        apply_tcp(wire, verdict, decision);
    }

    void on_unreadable(std::string_view anomaly, const net::FlowTuple& tuple) override {
        if (!current.locatable || current.decision == nullptr) return;
        on_unparsed(anomaly, tuple, current.now, *current.decision);
    }

    // SMPP (the worker's streams; the bind that names the account is the worker's): a submit_sm /
    // data_sm dropped or rejected gets an invalid dest_addr_ton (same length), and for reject its
    // response gets the rule's status on the way back. Only a PDU lying wholly in this packet's
    // segment can be changed (otherwise tcp_unsafe). A part of a concatenated SMS, which the
    // worker judges on the joined text later, is judged here on its own text.
    void on_smpp_pdu(const pipeline::SmppPduOnWire& wire) override {
        if (!current.locatable || current.decision == nullptr) return;
        if (wire.role == pipeline::WireRole::follow_up) {
            answer_smpp_response(wire, *current.decision);
            return;
        }
        const auto* submitted = std::get_if<smpp::ShortMessage>(&wire.pdu.body);
        const std::uint32_t id = wire.pdu.header.id;
        if (submitted == nullptr || wire.part == nullptr ||
            (id != smpp::command::submit_sm && id != smpp::command::data_sm && id != smpp::command::submit_multi)) {
            return;
        }
        ++smpp_decided;
        const std::string& account = wire.part->sms->account;
        std::string label = fmt::format("smpp {} seq {}", account.empty() ? "?" : account, wire.pdu.header.sequence);
        const record::Verdict verdict = wire.verdict != nullptr ? *wire.verdict : judge_only(*wire.part);
        const auto keys = record::message_keys(*wire.part);
        note_decided(keys.empty() ? record::smpp_message_key(wire.tuple, wire.pdu.header.sequence) : keys.front(),
                     std::move(label), verdict, *current.decision);
        enforce_submit(wire, *submitted, verdict, *current.decision);
    }

    void enforce_submit(const pipeline::SmppPduOnWire& wire, const smpp::ShortMessage& submitted,
                        const record::Verdict& verdict, InlineDecision& decision) {
        if (!verdict.policy_enforces || !record::acts_on_wire(verdict.action)) return;
        const auto offset = offset_in_packet(wire.bytes);
        if (!enforced_block(verdict) || wire.pdu.header.id == smpp::command::submit_multi || !offset) {
            ++not_applied;  // tag, submit_multi, or a PDU not wholly in this segment: alert only
            if (!offset && enforced_block(verdict) && wire.pdu.header.id != smpp::command::submit_multi) ++tcp_unsafe;
            not_carried_out(decision, wire.pdu.header.id == smpp::command::submit_multi ? record::NotEnforcedReason::submit_multi
                                      : verdict.action == "tag" ? record::NotEnforcedReason::smpp_tag_unsupported
                                                                : record::NotEnforcedReason::tcp_unsafe);
            return;
        }
        writable()[*offset + dest_ton_offset(submitted)] = kInvalidTon;
        ++smpp_rewritten;
        ++(verdict.action == "reject" ? rejected : dropped);
        if (verdict.action == "reject" && smpp_rejects.size() < config.calls.max_calls) {
            smpp_rejects.insert_or_assign(SmppExchange{wire.tuple.reversed(), wire.pdu.header.sequence},
                                          SmppReject{verdict.smpp_status.value_or(0x45), current.now + config.calls.linger});
        }
    }

    void answer_smpp_response(const pipeline::SmppPduOnWire& wire, InlineDecision& decision) {
        auto it = smpp_rejects.find(SmppExchange{wire.tuple, wire.pdu.header.sequence});
        if (it == smpp_rejects.end()) return;
        const auto offset = offset_in_packet(wire.bytes);
        if (!offset) {
            ++tcp_unsafe;
            return;
        }
        const std::uint32_t status = it->second.status;
        auto* field = writable().data() + *offset + 8;
        for (int i = 0; i < 4; ++i) field[i] = static_cast<std::uint8_t>(status >> (24 - 8 * i));
        decision.call_id = fmt::format("smpp seq {}", wire.pdu.header.sequence);
        ++smpp_responses_rewritten;
        smpp_rejects.erase(it);
    }

    // Where `bytes` start in this packet's IP datagram, when they lie wholly in its transport
    // payload (a plain, unfragmented, untunnelled layout): only then may they be changed.
    std::optional<std::size_t> offset_in_packet(ByteView bytes) const {
        const auto layout = net::layout_of(current.ip);
        if (!layout || bytes.empty()) return std::nullopt;
        const auto* payload_begin = current.ip.data() + layout->payload_offset;
        const auto* payload_end = current.ip.data() + layout->end;
        if (bytes.data() < payload_begin || bytes.data() + bytes.size() > payload_end) return std::nullopt;
        return static_cast<std::size_t>(bytes.data() - current.ip.data());
    }

    // This packet's IP datagram, copied once to be changed in place.
    net::PacketBytes& writable() {
        if (!current.changed) {
            const auto layout = net::layout_of(current.ip);
            current.changed = copy_to_change(current.ip, *layout);
        }
        return *current.changed;
    }

    // The verdict on a record the worker has not judged (a part of a concatenated SMS).
    record::Verdict judge_only(const record::Contact& contact) {
        const policy::DetectionSnapshot& snapshot = user.refresh();
        record::Verdict verdict = snapshot.detector->assess(contact, user.scratch());
        policy::decide(*snapshot.policy, contact, verdict);
        return verdict;
    }

    // A later request of a call already judged: while the decision lingers, a blocked call's
    // retransmissions, the ACK of our answer and CANCEL are dropped (a retransmitted INVITE of a
    // rejected call gets the answer again), and a tagged call's retransmitted INVITE is tagged.
    void follow_up(const pipeline::SipMessageOnWire& request, const record::Verdict& verdict, InlineDecision& decision) {
        if (!verdict.policy_enforces) return;
        const bool invite = request.message.method == "INVITE";
        if (verdict.action == "tag") {
            if (invite && pipeline::is_initial_invite(request.message)) tag_udp(request, verdict, decision);
            return;
        }
        if (!enforced_block(verdict)) return;
        decision.verdict = PacketVerdict::drop;
        decision.call_id = std::string(request.call_id);
        decision.action = verdict.action;
        decision.enforced = true;
        decision.remembered = true;
        if (verdict.action == "reject" && invite) decision.reply = reply_to(request, verdict);
        ++remembered_drops;
    }

    static void note_decided(std::string key, std::string label, const record::Verdict& verdict,
                             InlineDecision& decision) {
        decision.call_id = std::move(label);
        decision.action = verdict.action;
        std::optional<record::NotEnforcedReason> reason;
        if (record::acts_on_wire(verdict.action) && !verdict.policy_enforces) reason = record::NotEnforcedReason::monitor;
        decision.decided.push_back(DecidedMessage{std::move(key), verdict.action, reason});
    }

    // The message judged last in this packet was not carried out, for `reason`.
    static void not_carried_out(InlineDecision& decision, record::NotEnforcedReason reason) {
        if (!decision.decided.empty() && !decision.decided.back().not_enforced) decision.decided.back().not_enforced = reason;
    }

    // inline.unparsed: the packet is counted, reported, and dropped when so configured (UDP only:
    // a TCP segment or SCTP packet is never dropped, the connection or association carries other
    // messages; and never in monitor mode).
    void on_unparsed(std::string_view anomaly, const net::FlowTuple& tuple, Timestamp now, InlineDecision& decision) {
        ++unparsed;
        const bool udp = tuple.proto == net::IpProto::udp;
        const bool wants_drop = settings.unparsed == UnparsedAction::drop;
        const bool enforce = user.refresh().policy->mode == policy::Mode::enforce;
        const bool dropping = wants_drop && udp && enforce;
        if (wants_drop && !dropping) ++not_applied;
        if (dropping) {
            decision.verdict = PacketVerdict::drop;
            ++unparsed_dropped;
        }
        decision.unparsed = std::string(anomaly);
        decision.action = std::string(unparsed_action_name(settings.unparsed));
        decision.enforced = dropping;
        if (!reporter) return;
        output::UnparsedEvent event;
        event.ts = now;
        event.ingress.src = tuple.src;
        event.ingress.dst = tuple.dst;
        event.ingress.src_port = tuple.src_port;
        event.ingress.dst_port = tuple.dst_port;
        event.ingress.transport = net::transport_name(tuple.proto);
        event.anomaly = std::string(anomaly);
        event.action = decision.action;
        event.enforced = dropping;
        reporter(event);
    }

    // An IPv4 fragment, or an IPv6 packet whose first extension header is a fragment header. The
    // queue should only ever see whole datagrams (the kernel reassembles them when conntrack is
    // used); a fragment here means the rest of the datagram may be going around scamgate.
    static bool is_fragment(ByteView ip) {
        if (ip.size() >= 20 && (ip[0] >> 4) == 4) return ((ip[6] & 0x3F) | ip[7]) != 0;
        return ip.size() >= 40 && (ip[0] >> 4) == 6 && ip[6] == 44;
    }

    // UDP: drop drops the datagram; reject drops it and answers the sender with the rule's SIP
    // final response; tag forwards the datagram with the policy's headers (when it can be rebuilt).
    void apply_udp(const pipeline::SipMessageOnWire& request, const record::Verdict& verdict, InlineDecision& decision) {
        if (verdict.action == "tag") {
            tag_udp(request, verdict, decision);
            return;
        }
        if (!enforced_block(verdict)) return;
        decision.verdict = PacketVerdict::drop;
        if (verdict.action == "reject") {
            ++rejected;
            decision.reply = reply_to(request, verdict);
        } else {
            ++dropped;
        }
    }

    std::optional<InlineReply> reply_to(const pipeline::SipMessageOnWire& request, const record::Verdict& verdict) const {
        const auto [status, reason] = sip_answer(verdict);
        InlineReply reply;
        reply.tuple = request.tuple.reversed();
        reply.payload = sip_final_response(request.text, status, reason, to_tag_for(request.call_id));
        if (reply.payload.empty()) return std::nullopt;
        return reply;
    }

    // Only a datagram carried whole and plainly in this packet (not reassembled from fragments,
    // not tunnelled) can be rebuilt with the tag.
    void tag_udp(const pipeline::SipMessageOnWire& request, const record::Verdict& verdict, InlineDecision& decision) {
        auto tagged = sip::with_tag(request.text, request.message, verdict.tag_headers, verdict.display_name_prefix);
        std::optional<net::PacketBytes> datagram;
        if (tagged && changeable_layout(current.ip, request.text)) datagram = net::replace_udp_payload(current.ip, *tagged);
        if (!datagram) {
            ++not_applied;
            not_carried_out(decision, record::NotEnforcedReason::not_changeable);
            return;
        }
        ++tagged_count;
        current.changed = std::move(datagram);
    }

    // Drop and reject on TCP: Max-Forwards zeroed in place (inside its WebSocket frame, masked
    // like it, when there is one), the segment forwarded. Only digits carried by this packet can
    // be changed (otherwise tcp_unsafe).
    void apply_tcp(const pipeline::SipMessageOnWire& wire, const record::Verdict& verdict, InlineDecision& decision) {
        if (!enforced_block(verdict)) {
            if (verdict.action == "tag") {
                ++not_applied;
                not_carried_out(decision, record::NotEnforcedReason::tcp_tag_unsupported);
            }
            return;
        }
        if (!zero_max_forwards(wire)) {
            ++tcp_unsafe;
            not_carried_out(decision, record::NotEnforcedReason::tcp_unsafe);
            return;
        }
        ++tcp_rewritten;
        ++(verdict.action == "reject" ? rejected : dropped);
        if (verdict.action == "reject" && tcp_rejects.size() < config.calls.max_calls) {
            auto [status, reason] = sip_answer(verdict);
            tcp_rejects.insert_or_assign(std::string(wire.call_id), TcpReject{status, std::move(reason), current.now + config.calls.linger});
        }
    }

    // A later request of a call refused on TCP: the retry with credentials (an initial INVITE again)
    // is refused the same way; everything else passes.
    void refuse_retry(const pipeline::SipMessageOnWire& wire, const record::Verdict& verdict, InlineDecision& decision) {
        if (!enforced_block(verdict) || !pipeline::is_initial_invite(wire.message)) return;
        if (!zero_max_forwards(wire)) {
            ++tcp_unsafe;
            return;
        }
        ++tcp_rewritten;
        ++remembered_drops;
        decision.call_id = std::string(wire.call_id);
        decision.action = verdict.action;
        decision.enforced = true;
        decision.remembered = true;
    }

    bool zero_max_forwards(const pipeline::SipMessageOnWire& wire) {
        const auto digits = sip::max_forwards_digits(wire.text, wire.message);
        return digits && write_text(wire, digits->first, std::string(digits->second, '0'));
    }

    // Writes `text` over the message's text at `pos`, in this packet, masked as the frame carrying
    // it is; false (nothing written) when those bytes are not all in this packet.
    bool write_text(const pipeline::SipMessageOnWire& wire, std::size_t pos, std::string_view text) {
        const auto bytes = wire.wire.bytes_of(pos, text.size());
        const auto offset = bytes ? offset_in_packet(*bytes) : std::nullopt;
        if (!offset) return false;
        auto* out = writable().data() + *offset;
        const std::size_t phase = pos - wire.wire.text_offset + wire.wire.mask_phase;
        for (std::size_t i = 0; i < text.size(); ++i) {
            auto b = static_cast<std::uint8_t>(text[i]);
            if (wire.wire.mask) b ^= (*wire.wire.mask)[(phase + i) % 4];
            out[i] = b;
        }
        return true;
    }

    // The next hop's 483 for a request we zeroed: its status code and reason become the rule's.
    void rewrite_tcp_response(const pipeline::SipMessageOnWire& wire, InlineDecision& decision) {
        if (wire.message.status_code != 483) return;
        auto it = tcp_rejects.find(std::string(wire.call_id));
        if (it == tcp_rejects.end()) return;
        const std::string_view text = wire.text;
        const std::string_view reason = wire.message.reason_phrase;
        const bool in_text = reason.data() >= text.data() && reason.data() + reason.size() <= text.data() + text.size();
        const auto reason_at = static_cast<std::size_t>(reason.data() - text.data());
        const std::string status = std::to_string(it->second.status);
        const bool writable_here = in_text && text.starts_with("SIP/2.0 483 ") && status.size() == 3 &&
                                   wire.wire.bytes_of(8, 3) && offset_in_packet(*wire.wire.bytes_of(8, 3)) &&
                                   wire.wire.bytes_of(reason_at, reason.size()) &&
                                   offset_in_packet(*wire.wire.bytes_of(reason_at, reason.size()));
        if (!writable_here) {
            ++tcp_unsafe;
            return;
        }
        write_text(wire, 8, status);
        write_text(wire, reason_at, fitted(it->second.reason, reason.size()));
        decision.call_id = std::string(wire.call_id);
        ++tcp_responses_rewritten;
        tcp_rejects.erase(it);
    }

    void sweep(Timestamp now) {
        if (now < next_sweep) return;
        next_sweep = now + seconds(1);
        std::erase_if(tcp_rejects, [now](const auto& entry) { return entry.second.until <= now; });
        std::erase_if(smpp_rejects, [now](const auto& entry) { return entry.second.until <= now; });
    }

    // The packet being handled, for the hooks the worker calls meanwhile.
    struct PacketInHand {
        ByteView ip;             // the IP datagram inside the frame (empty when it cannot be located)
        Timestamp now = 0;
        bool locatable = false;  // false: the frame is passed on unchanged, nothing is decided for it
        InlineDecision* decision = nullptr;
        std::optional<net::PacketBytes> changed;  // a tagged UDP datagram
    };

    policy::SnapshotUser user;
    pipeline::PipelineConfig config;
    InlineSettings settings;
    UnparsedReporter reporter;
    // A gate on its own (tests, fuzzing) runs a worker of its own, judged with the gate's detection.
    DiscardContacts discard;
    std::ostringstream own_log_text;
    Logger own_log{own_log_text};
    std::optional<policy::DetectionStage> own_stage;
    std::optional<pipeline::Worker> own_worker;
    pipeline::Worker* worker = nullptr;  // the one that reads and judges every packet
    PacketInHand current;
    Timestamp last_ts = 0;
    std::unordered_map<std::string, TcpReject> tcp_rejects;
    std::unordered_map<SmppExchange, SmppReject, SmppExchangeHash> smpp_rejects;
    Timestamp next_sweep = 0;
    std::uint64_t packets = 0;
    std::uint64_t sip_decided = 0;
    std::uint64_t smpp_decided = 0;
    std::uint64_t dropped = 0;
    std::uint64_t rejected = 0;
    std::uint64_t tagged_count = 0;
    std::uint64_t remembered_drops = 0;
    std::uint64_t tcp_rewritten = 0;
    std::uint64_t tcp_responses_rewritten = 0;
    std::uint64_t tcp_unsafe = 0;
    std::uint64_t smpp_rewritten = 0;
    std::uint64_t smpp_responses_rewritten = 0;
    std::uint64_t not_applied = 0;
    std::uint64_t unparsed = 0;
    std::uint64_t unparsed_dropped = 0;
    std::uint64_t fragments = 0;
    EnforcementLedger ledger;  // after `config`, which sizes it
};

InlineGate::InlineGate(const detect::Detector& detector, const policy::Policy& policy,
                       const pipeline::PipelineConfig& config, const InlineSettings& settings)
    : impl_(std::make_unique<Impl>(detector, policy, config, settings)) {}

InlineGate::InlineGate(const policy::SnapshotSource& source, const pipeline::PipelineConfig& config,
                       const InlineSettings& settings)
    : impl_(std::make_unique<Impl>(source, config, settings)) {}

InlineGate::InlineGate(const policy::SnapshotSource& source, pipeline::Worker& worker,
                       const pipeline::PipelineConfig& config, const InlineSettings& settings)
    : impl_(std::make_unique<Impl>(source, worker, config, settings)) {}

void InlineGate::report_unparsed_to(UnparsedReporter reporter) { impl_->reporter = std::move(reporter); }

InlineGate::~InlineGate() = default;

InlineDecision InlineGate::on_packet(const capture::Packet& frame) { return impl_->on_packet(frame); }

InlineDecision InlineGate::on_packet(ByteView ip, Timestamp now) {
    return impl_->on_packet(capture::raw_ip_packet(ip, now, impl_->packets + 1));
}

void InlineGate::settle(const InlineDecision& decision, bool wire_ok) {
    impl_->ledger.record(decision.decided, wire_ok);
    impl_->worker->settle_packet(impl_->last_ts);
}

void InlineGate::settle_passive() { impl_->worker->settle_packet(impl_->last_ts); }

policy::AppliedLookup& InlineGate::applied() { return impl_->ledger; }

void InlineGate::append_stats(StatsReport& report) const {
    report.add("inline.packets", impl_->packets);
    report.add("inline.sip_decided", impl_->sip_decided);
    report.add("inline.smpp_decided", impl_->smpp_decided);
    report.add("inline.dropped", impl_->dropped);
    report.add("inline.rejected", impl_->rejected);
    report.add("inline.tagged", impl_->tagged_count);
    report.add("inline.remembered_drops", impl_->remembered_drops);
    report.add("inline.tcp_rewritten", impl_->tcp_rewritten);
    report.add("inline.tcp_responses_rewritten", impl_->tcp_responses_rewritten);
    report.add("inline.tcp_unsafe", impl_->tcp_unsafe);
    report.add("inline.smpp_rewritten", impl_->smpp_rewritten);
    report.add("inline.smpp_responses_rewritten", impl_->smpp_responses_rewritten);
    report.add("inline.not_applied", impl_->not_applied);
    report.add("inline.unparsed", impl_->unparsed);
    report.add("inline.unparsed_dropped", impl_->unparsed_dropped);
    report.add("inline.fragments", impl_->fragments);
    impl_->ledger.append_stats(report);
}

std::uint64_t InlineGate::fragments_seen() const { return impl_->fragments; }

}  // namespace scamgate::app
