#include "app/inline_gate.h"

#include <functional>
#include <vector>

#include <fmt/format.h>

#include "capture/packet.h"
#include "net/decoder.h"
#include "pipeline/call_tracker.h"
#include "pipeline/sms_build.h"
#include "sip/message.h"

namespace scamgate::app {

namespace {

constexpr int kLinktypeRaw = 101;  // LINKTYPE_RAW: the packet starts with its IP header

// The UDP datagram of one packet, copied out of the decoder's callback.
class DatagramCatcher final : public net::DecodeSink {
public:
    void on_transport(const net::TransportPayload& payload) override {
        if (payload.tuple.proto != net::IpProto::udp) return;
        tuple = payload.tuple;
        bytes.assign(reinterpret_cast<const char*>(payload.payload.data()), payload.payload.size());
        found = true;
    }
    bool found = false;
    net::FlowTuple tuple;
    std::string bytes;
};

bool enforced_block(const record::Verdict& verdict) {
    return verdict.enforced && (verdict.action == "drop" || verdict.action == "reject");
}

std::string to_tag_for(std::string_view call_id) {
    return fmt::format("sg{:016x}", std::hash<std::string_view>{}(call_id));
}

}  // namespace

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

    Impl(const detect::Detector& d, const policy::Policy& p, const pipeline::PipelineConfig& c)
        : user(d, p), config(c), decoder(config.net, catcher) {}
    Impl(const policy::SnapshotSource& source, const pipeline::PipelineConfig& c)
        : user(source), config(c), decoder(config.net, catcher) {}

    InlineDecision on_packet(ByteView ip, Timestamp now) {
        InlineDecision decision;
        ++packets;
        sweep(now);
        catcher.found = false;
        capture::Packet packet;
        packet.ts = now;
        packet.linktype = kLinktypeRaw;
        packet.data = ip;
        packet.wire_length = static_cast<std::uint32_t>(ip.size());
        packet.number = packets;
        decoder.decode(packet);
        if (!catcher.found) return decision;

        const std::string_view text = catcher.bytes;
        if (!sip::starts_with_start_line(text)) return decision;
        if (sip::parse_message(text, sip::Framing::datagram, message, config.sip_parser).status != sip::ParseStatus::ok) {
            return decision;
        }
        if (!message.is_request) return decision;
        const std::string call_id = sip::unfold(message.first(sip::HeaderId::call_id));
        if (call_id.empty()) return decision;

        if (auto it = remembered.find(call_id); it != remembered.end()) {
            // A later request of a call we stopped: retransmissions, the ACK of our response, CANCEL.
            decision.verdict = PacketVerdict::drop;
            decision.call_id = call_id;
            decision.action = it->second.action;
            decision.enforced = true;
            decision.remembered = true;
            if (it->second.reply && message.method == "INVITE") decision.reply = it->second.reply;
            ++remembered_drops;
            return decision;
        }

        const pipeline::MessageOrigin origin{now, catcher.tuple, {}, packets};
        record::Contact contact;
        if (pipeline::is_initial_invite(message)) {
            contact = pipeline::call_from_invite(message, origin, call_id, "nfqueue");
        } else if (message.method == "MESSAGE") {
            auto built = pipeline::sms_from_sip_message(message, origin);
            if (!built.part) return decision;
            contact = std::move(built.part->contact);
            contact.source = "nfqueue";
        } else {
            return decision;
        }

        ++decided;
        const policy::DetectionSnapshot& snapshot = user.refresh();
        record::Verdict verdict = snapshot.detector->assess(contact, user.scratch());
        policy::decide(*snapshot.policy, contact, verdict);
        decision.call_id = call_id;
        decision.action = verdict.action;
        decision.enforced = verdict.enforced;
        if (!enforced_block(verdict)) return decision;

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
        return decision;
    }

    void sweep(Timestamp now) {
        if (now < next_sweep) return;
        next_sweep = now + seconds(1);
        std::erase_if(remembered, [now](const auto& entry) { return entry.second.until <= now; });
        decoder.expire(now);
    }

    policy::SnapshotUser user;
    pipeline::PipelineConfig config;
    DatagramCatcher catcher;
    net::PacketDecoder decoder;
    sip::Message message;
    std::unordered_map<std::string, Remembered> remembered;
    Timestamp next_sweep = 0;
    std::uint64_t packets = 0;
    std::uint64_t decided = 0;
    std::uint64_t dropped = 0;
    std::uint64_t rejected = 0;
    std::uint64_t remembered_drops = 0;
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
    report.add("inline.remembered_drops", impl_->remembered_drops);
}

}  // namespace scamgate::app
