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

// The UDP datagram or TCP segment of one packet, copied out of the decoder's callback.
class PayloadCatcher final : public net::DecodeSink {
public:
    void on_transport(const net::TransportPayload& payload) override {
        tuple = payload.tuple;
        encap = payload.encap;
        tcp_flags = payload.tcp_flags;
        truncated = payload.truncated;
        bytes.assign(reinterpret_cast<const char*>(payload.payload.data()), payload.payload.size());
        found = true;
    }
    bool closes_tcp() const {
        return found && tuple.proto == net::IpProto::tcp && (tcp_flags & (net::tcp_flags::fin | net::tcp_flags::rst)) != 0;
    }
    bool found = false;
    net::FlowTuple tuple;
    net::Encapsulation encap;  // the frame's VLAN tags and tunnel, as the worker's records have them
    std::uint8_t tcp_flags = 0;
    bool truncated = false;
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

// Where one SIP message sits in the packet's transport payload: the payload itself (UDP, TCP), or
// the payload of a WebSocket frame, unmasked here; changes are masked back when written.
struct SipSpan {
    std::size_t offset = 0;  // of the message's first byte in the transport payload
    std::string_view text;   // the message as the next hop reads it (unmasked)
    std::optional<sip::FrameHeader> frame;  // the WebSocket frame carrying it
};

// Writes `bytes` over the message's bytes at `pos` in `changed` (a copy of the packet laid out
// as `layout`), applying the frame's mask so the next hop unmasks them to `bytes`.
void write_into(net::PacketBytes& changed, const net::DatagramLayout& layout, const SipSpan& span, std::size_t pos,
                std::string_view bytes) {
    auto* out = changed.data() + layout.payload_offset + span.offset + pos;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto b = static_cast<std::uint8_t>(bytes[i]);
        if (span.frame && span.frame->masked) b ^= span.frame->mask[(pos + i) % 4];
        out[i] = b;
    }
}

bool is_data_frame(const sip::FrameHeader& frame) {
    return frame.opcode == sip::opcode::text || frame.opcode == sip::opcode::binary;
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
        : user(d, p), config(c), settings(s), decoder(config.net, catcher), ledger(config.calls.max_calls) {
        own_stage.emplace(d, p, discard);
        own_worker.emplace(config, discard, own_log, &*own_stage);
        worker = &*own_worker;
    }
    Impl(const policy::SnapshotSource& source, const pipeline::PipelineConfig& c, const InlineSettings& s)
        : user(source), config(c), settings(s), decoder(config.net, catcher), ledger(config.calls.max_calls) {
        own_stage.emplace(source, discard);
        own_worker.emplace(config, discard, own_log, &*own_stage);
        worker = &*own_worker;
    }
    Impl(const policy::SnapshotSource& source, pipeline::Worker& w, const pipeline::PipelineConfig& c,
         const InlineSettings& s)
        : user(source), config(c), settings(s), decoder(config.net, catcher), worker(&w), ledger(config.calls.max_calls) {}

    // The worker reads the packet and judges what it decides on; SIP requests in datagrams (UDP,
    // SCTP) come back through the PacketEnforcer hooks below. TCP (SIP, WebSocket, SMPP) is still
    // read here, from the one segment. `enforced` is true only when the message decided last in
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
        if (current.locatable) decide_tcp(frame, current.ip, frame.ts, decision);
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

    // The gate's own read of a TCP segment (until the worker's streams report spans): `ip` is the
    // IP datagram inside `frame`, what a decision may change.
    void decide_tcp(const capture::Packet& frame, ByteView ip, Timestamp now, InlineDecision& decision) {
        const bool decoded = decode(frame);
        if (!decoded || catcher.tuple.proto != net::IpProto::tcp) return;
        const std::string_view text = catcher.bytes;
        std::optional<net::PacketBytes>& changed = current.changed;  // on_packet fixes the checksums
        if (sip::starts_with_start_line(text)) {
            decide_sip(ip, SipSpan{0, text, std::nullopt}, now, changed, decision);
        } else if (sip::probe_sip_frames(as_bytes(text)) != sip::ProbeResult::no) {
            on_websocket_segment(ip, now, changed, decision);
        }
    }

    // --- pipeline::PacketEnforcer: the worker's decisions on datagrams (UDP, SCTP) -------------

    void on_sip_request(const pipeline::SipRequestOnWire& request) override {
        if (!current.locatable || current.decision == nullptr) return;  // not a frame the gate can act on
        InlineDecision& decision = *current.decision;
        const bool sctp = request.datagram.tuple.proto == net::IpProto::sctp;
        if (request.role == pipeline::WireRole::follow_up) {
            if (!sctp && request.verdict != nullptr) follow_up(request, *request.verdict, decision);
            return;
        }
        if (request.verdict == nullptr) return;  // nothing judged it (no detection)
        const record::Verdict& verdict = *request.verdict;
        ++sip_decided;
        note_decided(record::sip_message_key(request.call_id), std::string(request.call_id), verdict, decision);
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
        apply_udp(request, verdict, decision);
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
    void follow_up(const pipeline::SipRequestOnWire& request, const record::Verdict& verdict, InlineDecision& decision) {
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

    // One SIP message (a UDP datagram, a TCP segment's, or a WebSocket frame's).
    void decide_sip(ByteView ip, const SipSpan& span, Timestamp now, std::optional<net::PacketBytes>& changed,
                    InlineDecision& decision) {
        const bool tcp = catcher.tuple.proto == net::IpProto::tcp;
        if (!parse_sip(span, tcp, now, decision)) return;
        if (!message.is_request) {
            if (tcp) rewrite_tcp_response(ip, span, changed, decision);
            return;
        }
        const std::string call_id = sip::unfold(message.first(sip::HeaderId::call_id));
        if (call_id.empty()) {
            // It cannot be tracked, so it cannot be decided: inline.unparsed says what happens.
            if (message.method == "INVITE" || message.method == "MESSAGE") {
                on_unparsed(describe(sip::SipAnomaly::missing_call_id).name, now, decision);
            }
            return;
        }
        auto contact = contact_of(call_id, now, span.frame ? pipeline::Carrier::websocket : pipeline::Carrier::direct);
        if (!contact) return;
        ++sip_decided;
        const record::Verdict verdict = judge(*contact, call_id, decision);
        if (!verdict.policy_enforces) return;
        apply_tcp(ip, span, call_id, verdict, now, changed, decision);
    }

    // Parses the message into `message`. A TCP segment may hold a request whose body goes on in
    // later segments (a large SDP): when its whole header block is here it is decided from it (the
    // Max-Forwards digits to change are in this segment too); otherwise it is left alone, counted.
    // A message the parser refuses goes to inline.unparsed.
    bool parse_sip(const SipSpan& span, bool tcp, Timestamp now, InlineDecision& decision) {
        const bool stream = tcp && !span.frame;  // a WebSocket frame bounds its message
        const auto parsed =
            sip::parse_message(span.text, stream ? sip::Framing::stream : sip::Framing::datagram, message, config.sip_parser);
        if (parsed.status == sip::ParseStatus::ok) return true;
        if (!stream || parsed.status != sip::ParseStatus::incomplete) {
            on_unparsed(describe(parsed.anomaly).name, now, decision);
            return false;
        }
        const auto headers = sip::parse_message(span.text, sip::Framing::datagram, message, config.sip_parser);
        const bool whole_head = headers.status == sip::ParseStatus::ok &&
                                std::find(headers.warnings.begin(), headers.warnings.end(),
                                          sip::SipAnomaly::missing_header_end) == headers.warnings.end();
        if (!whole_head && looks_decidable(span.text)) {
            ++tcp_unsafe;
            note_unsafe(span.text, decision);
        }
        return whole_head;
    }

    // The WebSocket frames of a segment that starts at a frame boundary: each whole, unfragmented
    // text or binary frame is one SIP message and is decided like one over TCP. A fragmented
    // message or one cut across segments cannot be decided from one packet (counted tcp_unsafe
    // when it is an INVITE or MESSAGE; the worker still records and judges it).
    void on_websocket_segment(ByteView ip, Timestamp now, std::optional<net::PacketBytes>& changed,
                              InlineDecision& decision) {
        const ByteView bytes = as_bytes(catcher.bytes);
        std::size_t offset = 0;
        while (offset < bytes.size()) {
            sip::FrameHeader frame;
            if (sip::read_frame_header(bytes.subspan(offset), frame) != sip::FrameParse::ok) break;
            const std::size_t room = bytes.size() - offset - frame.header_length;
            const bool whole = frame.payload_length <= room;
            const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(frame.payload_length, room));
            std::string plain(as_text(bytes.subspan(offset + frame.header_length, length)));
            if (frame.masked) sip::apply_mask(std::span<char>(plain.data(), plain.size()), frame.mask, 0);
            const bool simple = is_data_frame(frame) && frame.fin && frame.rsv == 0;
            if (whole && simple) {
                decide_sip(ip, SipSpan{offset + frame.header_length, plain, frame}, now, changed, decision);
            } else if (is_data_frame(frame) && looks_decidable(plain)) {
                ++tcp_unsafe;
                note_unsafe(plain, decision);
            }
            if (!whole) break;
            offset += frame.header_length + length;
        }
    }

    // The verdict on `contact` from the detection in force, with the decision's label and action
    // filled in. The decision is also listed in `decision.decided` under the message's key: carried
    // out unless the policy does not enforce it (monitor) or not_carried_out() says why not.
    record::Verdict judge(const record::Contact& contact, std::string label, InlineDecision& decision) {
        record::Verdict verdict = judge_only(contact);
        const auto keys = record::message_keys(contact);
        if (keys.empty()) {
            decision.call_id = std::move(label);
            decision.action = verdict.action;
        } else {
            note_decided(keys.front(), std::move(label), verdict, decision);
        }
        return verdict;
    }

    static void note_decided(std::string key, std::string label, const record::Verdict& verdict,
                             InlineDecision& decision) {
        decision.call_id = std::move(label);
        decision.action = verdict.action;
        std::optional<record::NotEnforcedReason> reason;
        if (record::acts_on_wire(verdict.action) && !verdict.policy_enforces) reason = record::NotEnforcedReason::monitor;
        decision.decided.push_back(DecidedMessage{std::move(key), verdict.action, reason});
    }

    // An INVITE or MESSAGE the gate cannot act on (its head or frame is not all in this packet):
    // listed as tcp_unsafe for whatever the worker decides, when its Call-ID can be read here.
    void note_unsafe(std::string_view text, InlineDecision& decision) {
        if (sip::parse_message(text, sip::Framing::datagram, message, config.sip_parser).status != sip::ParseStatus::ok) return;
        const std::string call_id = sip::unfold(message.first(sip::HeaderId::call_id));
        if (call_id.empty()) return;
        decision.decided.push_back(DecidedMessage{record::sip_message_key(call_id), {}, record::NotEnforcedReason::tcp_unsafe});
    }

    // The message judged last in this packet was not carried out, for `reason`.
    static void not_carried_out(InlineDecision& decision, record::NotEnforcedReason reason) {
        if (!decision.decided.empty() && !decision.decided.back().not_enforced) decision.decided.back().not_enforced = reason;
    }

    // Runs the decoder over the whole frame (its link layer too, so the catcher gets the VLAN
    // tags); true when it produced a UDP datagram, TCP segment or SCTP packet.
    bool decode(const capture::Packet& frame) {
        catcher.found = false;
        capture::Packet numbered = frame;
        numbered.number = packets;
        decoder.decode(numbered);
        return catcher.found && !catcher.bytes.empty();
    }

    bool on_port(const std::vector<std::uint16_t>& ports) const {
        return std::find(ports.begin(), ports.end(), catcher.tuple.dst_port) != ports.end() ||
               std::find(ports.begin(), ports.end(), catcher.tuple.src_port) != ports.end();
    }

    // inline.unparsed: the packet is counted, reported, and dropped when so configured (UDP only:
    // a TCP segment or SCTP packet is never dropped, the connection or association carries other
    // messages; and never in monitor mode).
    void on_unparsed(std::string_view anomaly, Timestamp now, InlineDecision& decision) {
        on_unparsed(anomaly, catcher.tuple, now, decision);
    }

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

    // An INVITE or MESSAGE request line begins here (any case: the parser takes "invite" too).
    static bool looks_decidable(std::string_view text) {
        auto begins = [text](std::string_view method) {
            if (text.size() <= method.size()) return false;
            for (std::size_t i = 0; i < method.size(); ++i) {
                if ((text[i] | 0x20) != (method[i] | 0x20)) return false;
            }
            return text[method.size()] == ' ' || text[method.size()] == '\t';
        };
        return begins("invite") || begins("message");
    }

    // The provisional record of an initial INVITE or a MESSAGE; nullopt for anything else.
    std::optional<record::Contact> contact_of(const std::string& call_id, Timestamp now, pipeline::Carrier carrier) {
        const pipeline::MessageOrigin origin{now, catcher.tuple, catcher.encap, packets, carrier};
        if (pipeline::is_initial_invite(message)) return pipeline::call_from_invite(message, origin, call_id, "inline");
        if (message.method != "MESSAGE") return std::nullopt;
        auto built = pipeline::sms_from_sip_message(message, origin);
        if (!built.part) return std::nullopt;
        record::Contact contact = std::move(built.part->contact);
        contact.source = "inline";
        return contact;
    }

    // UDP: drop drops the datagram; reject drops it and answers the sender with the rule's SIP
    // final response; tag forwards the datagram with the policy's headers (when it can be rebuilt).
    void apply_udp(const pipeline::SipRequestOnWire& request, const record::Verdict& verdict, InlineDecision& decision) {
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

    std::optional<InlineReply> reply_to(const pipeline::SipRequestOnWire& request, const record::Verdict& verdict) const {
        const auto [status, reason] = sip_answer(verdict);
        InlineReply reply;
        reply.tuple = request.datagram.tuple.reversed();
        reply.payload = sip_final_response(request.text, status, reason, to_tag_for(request.call_id));
        if (reply.payload.empty()) return std::nullopt;
        return reply;
    }

    // Only a datagram carried whole and plainly in this packet (not reassembled from fragments,
    // not tunnelled) can be rebuilt with the tag.
    void tag_udp(const pipeline::SipRequestOnWire& request, const record::Verdict& verdict, InlineDecision& decision) {
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
    // like it, when there is one), the segment forwarded.
    void apply_tcp(ByteView ip, const SipSpan& span, const std::string& call_id, const record::Verdict& verdict,
                   Timestamp now, std::optional<net::PacketBytes>& changed, InlineDecision& decision) {
        if (!enforced_block(verdict)) {
            if (verdict.action == "tag") {
                ++not_applied;
                not_carried_out(decision, record::NotEnforcedReason::tcp_tag_unsupported);
            }
            return;
        }
        auto layout = changeable_layout(ip, catcher.bytes);
        auto digits = sip::max_forwards_digits(span.text, message);
        if (!layout || !digits) {
            ++tcp_unsafe;
            not_carried_out(decision, record::NotEnforcedReason::tcp_unsafe);
            return;
        }
        if (!changed) changed = copy_to_change(ip, *layout);
        write_into(*changed, *layout, span, digits->first, std::string(digits->second, '0'));
        ++tcp_rewritten;
        ++(verdict.action == "reject" ? rejected : dropped);
        if (verdict.action == "reject" && tcp_rejects.size() < config.calls.max_calls) {
            auto [status, reason] = sip_answer(verdict);
            tcp_rejects.insert_or_assign(call_id, TcpReject{status, std::move(reason), now + config.calls.linger});
        }
    }

    // The next hop's 483 for a request we zeroed: its status code and reason become the rule's.
    void rewrite_tcp_response(ByteView ip, const SipSpan& span, std::optional<net::PacketBytes>& changed,
                              InlineDecision& decision) {
        if (message.status_code != 483) return;
        const std::string call_id = sip::unfold(message.first(sip::HeaderId::call_id));
        auto it = tcp_rejects.find(call_id);
        if (it == tcp_rejects.end()) return;
        auto layout = changeable_layout(ip, catcher.bytes);
        const std::string_view text = span.text;
        const std::string_view reason = message.reason_phrase;
        const bool in_text = reason.data() >= text.data() && reason.data() + reason.size() <= text.data() + text.size();
        if (!layout || !in_text || !text.starts_with("SIP/2.0 483 ")) {
            ++tcp_unsafe;
            return;
        }
        if (!changed) changed = copy_to_change(ip, *layout);
        write_into(*changed, *layout, span, 8, std::to_string(it->second.status));
        write_into(*changed, *layout, span, static_cast<std::size_t>(reason.data() - text.data()),
                   fitted(it->second.reason, reason.size()));
        decision.call_id = call_id;
        ++tcp_responses_rewritten;
        tcp_rejects.erase(it);
    }

    void sweep(Timestamp now) {
        if (now < next_sweep) return;
        next_sweep = now + seconds(1);
        std::erase_if(tcp_rejects, [now](const auto& entry) { return entry.second.until <= now; });
        std::erase_if(smpp_rejects, [now](const auto& entry) { return entry.second.until <= now; });
        decoder.expire(now);
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
    PayloadCatcher catcher;
    net::PacketDecoder decoder;
    // A gate on its own (tests, fuzzing) runs a worker of its own, judged with the gate's detection.
    DiscardContacts discard;
    std::ostringstream own_log_text;
    Logger own_log{own_log_text};
    std::optional<policy::DetectionStage> own_stage;
    std::optional<pipeline::Worker> own_worker;
    pipeline::Worker* worker = nullptr;  // the one that reads and judges every packet
    PacketInHand current;
    Timestamp last_ts = 0;
    sip::Message message;  // the SIP message of the TCP segment being decided
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
