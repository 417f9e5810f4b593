// SIP over SCTP decoding cases (RFC 4168): one association per case (INIT ... SHUTDOWN
// COMPLETE), one SIP message per SCTP user message, in the shapes a receiver must cope with:
// chunks bundled several to a packet, messages fragmented over DATA chunks and sent out of order,
// retransmissions, I-DATA, IPv6, and malformed chunks around good ones.
#include <algorithm>
#include <stdexcept>

#include "pcapgen/packet_builder.h"
#include "pcapgen/pcap_writer.h"
#include "pcapgen/scenarios.h"

namespace scamgate::pcapgen {
namespace {

constexpr Timestamp kEpoch = 1'768'464'000LL * kNanosPerSecond + 500'000'000;  // 2026-01-15T08:00:00.5Z
constexpr Timestamp kGap = 20'000'000;
constexpr Mac kCallerMac{0x02, 0x00, 0xcb, 0x00, 0x71, 0x0a};
constexpr Mac kGatewayMac{0x02, 0x00, 0xc6, 0x33, 0x64, 0x01};
constexpr std::uint8_t kCookieEcho = 10, kCookieAck = 11, kShutdown = 7, kShutdownAck = 8, kShutdownComplete = 14,
                       kHeartbeat = 4, kAbort = 6;

SipCall sctp_call(const std::string& name, bool ipv6) {
    SipCall c;
    c.caller_ip = ipv6 ? "2001:db8:113::10" : "203.0.113.10";
    c.gateway_ip = ipv6 ? "2001:db8:100::1" : "198.51.100.1";
    c.call_id = "pcapgen-" + name + "-1@" + c.caller_ip;
    c.caller = "+84912345678";
    c.callee = "+842437001001";
    c.sctp = true;
    c.sdp_min_bytes = 600;
    return c;
}

// One association between the caller and the gateway, both on port 5060: verification tags,
// TSNs and stream sequence numbers per side, packets framed as Ethernet/IPv4 or IPv6.
class Association {
public:
    Association(SipCall call, bool ipv6, const std::string& path) : call_(std::move(call)), ipv6_(ipv6), out_(path, linktype::ethernet) {
        if (!out_.ok()) throw std::runtime_error("cannot write " + path);
    }

    const SipCall& call() const { return call_; }
    std::string sip(SipStep step) const { return render_sip(call_, step); }

    Bytes packet(bool from_caller, std::vector<SctpChunk> chunks, std::optional<std::uint32_t> checksum = std::nullopt,
                 std::optional<std::uint32_t> vtag = std::nullopt) const {
        PacketBuilder b;
        b.ethernet({.dst = from_caller ? kGatewayMac : kCallerMac, .src = from_caller ? kCallerMac : kGatewayMac});
        const std::string& src = from_caller ? call_.caller_ip : call_.gateway_ip;
        const std::string& dst = from_caller ? call_.gateway_ip : call_.caller_ip;
        if (ipv6_) b.ipv6(src, dst);
        else b.ipv4(src, dst, {.dont_fragment = true});
        // A packet carries the tag its receiver chose (INIT: zero).
        const std::uint32_t tag = vtag.value_or(from_caller ? gateway_tag_ : caller_tag_);
        b.sctp({.src_port = 5060, .dst_port = 5060, .verification_tag = tag, .chunks = std::move(chunks), .checksum = checksum});
        return b.build();
    }
    void write(const Bytes& frame) {
        ts_ += kGap;
        out_.write(ts_, frame);
    }
    void send(bool from_caller, std::vector<SctpChunk> chunks) { write(packet(from_caller, std::move(chunks))); }

    void handshake() {
        write(packet(true, {sctp_init(1, caller_tag_, tsn_[0])}, std::nullopt, 0u));
        send(false, {sctp_init(2, gateway_tag_, tsn_[1])});
        send(true, {sctp_control(kCookieEcho, 0, Bytes{0x5c, 0xa1, 0xab, 0x1e, 0, 0, 0, 0})});
        send(false, {sctp_control(kCookieAck)});
    }
    void shutdown() {
        Bytes cumulative(4);
        const std::uint32_t last = tsn_[1] - 1;
        for (int i = 0; i < 4; ++i) cumulative[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(last >> (24 - 8 * i));
        send(true, {sctp_control(kShutdown, 0, cumulative)});
        send(false, {sctp_control(kShutdownAck)});
        send(true, {sctp_control(kShutdownComplete)});
    }

    // The next DATA chunk of `from_caller` on `stream`: the whole message.
    SctpChunk data(bool from_caller, std::string_view message, std::uint16_t stream = 0,
                   std::uint8_t extra_flags = 0) {
        const std::size_t me = side(from_caller);
        const bool unordered = (extra_flags & sctp_flags::unordered) != 0;
        const std::uint16_t ssn = unordered ? 0 : ssn_[me][stream]++;
        last_tsn_[me] = tsn_[me];
        return sctp_data(tsn_[me]++, stream, ssn, message, static_cast<std::uint8_t>(sctp_flags::whole | extra_flags));
    }
    // The message cut into `parts` DATA chunks with consecutive TSNs (B on the first, E on the last).
    std::vector<SctpChunk> fragments(bool from_caller, std::string_view message, std::size_t parts,
                                     std::uint16_t stream = 0) {
        const std::size_t me = side(from_caller);
        const std::uint16_t ssn = ssn_[me][stream]++;
        const std::size_t step = (message.size() + parts - 1) / parts;
        std::vector<SctpChunk> out;
        for (std::size_t at = 0; at < message.size(); at += step) {
            std::uint8_t flags = 0;
            if (at == 0) flags |= sctp_flags::begin;
            if (at + step >= message.size()) flags |= sctp_flags::end;
            last_tsn_[me] = tsn_[me];
            out.push_back(sctp_data(tsn_[me]++, stream, ssn, message.substr(at, step), flags));
        }
        return out;
    }
    // I-DATA fragments (RFC 8260) of one message: message id per stream, FSN 0.. .
    std::vector<SctpChunk> idata(bool from_caller, std::string_view message, std::size_t parts, std::uint16_t stream) {
        const std::size_t me = side(from_caller);
        const std::uint32_t mid = ssn_[me][stream]++;
        const std::size_t step = (message.size() + parts - 1) / parts;
        std::vector<SctpChunk> out;
        std::uint32_t fsn = 0;
        for (std::size_t at = 0; at < message.size(); at += step, ++fsn) {
            std::uint8_t flags = 0;
            if (at == 0) flags |= sctp_flags::begin;
            if (at + step >= message.size()) flags |= sctp_flags::end;
            last_tsn_[me] = tsn_[me];
            out.push_back(sctp_idata(tsn_[me]++, stream, mid, at == 0 ? 0 : fsn, message.substr(at, step), flags));
        }
        return out;
    }
    // A SACK from `from_caller` acknowledging everything the peer has sent.
    SctpChunk sack(bool from_caller) const { return sctp_sack(last_tsn_[side(!from_caller)]); }

private:
    static std::size_t side(bool from_caller) { return from_caller ? 0 : 1; }

    SipCall call_;
    bool ipv6_;
    PcapWriter out_;
    Timestamp ts_ = kEpoch;
    std::uint32_t caller_tag_ = 0x1c0ffee1, gateway_tag_ = 0x2dead2b2;
    std::uint32_t tsn_[2] = {0x10000000, 0xfffffffd};  // the gateway's TSNs wrap around 2^32
    std::uint32_t last_tsn_[2] = {0x0fffffff, 0xfffffffc};
    std::uint16_t ssn_[2][4] = {};
};

CaseInfo make_info(const std::string& name, std::size_t messages, const SipCall& c, std::string description) {
    return CaseInfo{name, name + ".pcap", linktype::ethernet, messages, 0, {c.call_id}, std::move(description)};
}

// The call, one message per DATA chunk and per packet, each acknowledged by a SACK of its own.
CaseInfo basic_case(const std::string& dir, const std::string& name, bool ipv6) {
    Association a(sctp_call(name, ipv6), ipv6, dir + "/" + name + ".pcap");
    a.handshake();
    for (SipStep step : call_steps(CallOutcome::answered)) {
        const bool caller = sent_by_caller(step);
        a.send(caller, {a.data(caller, a.sip(step))});
        a.send(!caller, {a.sack(!caller)});
    }
    a.shutdown();
    return make_info(name, 7, a.call(),
                     std::string(ipv6 ? "IPv6" : "IPv4") + " SCTP 5060: INIT..COOKIE ACK, each SIP message in one DATA "
                     "chunk and packet, SACKs, SHUTDOWN..SHUTDOWN COMPLETE; the gateway's TSNs wrap past 2^32");
}

// Several chunks per packet: SACK + DATA, 100 + 180 in one packet, ACK + BYE on two streams with
// HEARTBEAT in between, the 200 OK to BYE unordered.
CaseInfo bundled_case(const std::string& dir, const std::string& name) {
    Association a(sctp_call(name, false), false, dir + "/" + name + ".pcap");
    a.handshake();
    a.send(true, {a.data(true, a.sip(SipStep::invite))});
    a.send(false, {a.sack(false), a.data(false, a.sip(SipStep::trying)), a.data(false, a.sip(SipStep::ringing))});
    a.send(false, {a.data(false, a.sip(SipStep::ok_invite), 1)});
    a.send(true, {a.sack(true), a.data(true, a.sip(SipStep::ack), 1),
                  sctp_control(kHeartbeat, 0, Bytes{0, 1, 0, 8, 1, 2, 3, 4}),
                  a.data(true, a.sip(SipStep::bye), 2)});
    a.send(false, {a.sack(false), a.data(false, a.sip(SipStep::ok_bye), 2, sctp_flags::unordered)});
    a.send(true, {a.sack(true)});
    a.shutdown();
    return make_info(name, 7, a.call(),
                     "SCTP bundling: SACK+DATA, 100+180 in one packet, ACK+HEARTBEAT+BYE on streams 1 and 2, "
                     "an unordered 200 OK to BYE");
}

// The INVITE (~2.6 kB SDP) in 3 DATA fragments sent 3, 1, 2; fragment 1 retransmitted; the
// 200 OK (2 fragments) retransmitted whole; the BYE retransmitted.
CaseInfo fragmented_case(const std::string& dir, const std::string& name) {
    SipCall c = sctp_call(name, false);
    c.sdp_min_bytes = 2600;
    Association a(c, false, dir + "/" + name + ".pcap");
    a.handshake();
    const auto invite = a.fragments(true, a.sip(SipStep::invite), 3);
    a.send(true, {invite[2]});
    a.send(true, {invite[0]});
    a.send(true, {invite[0]});  // retransmission of the first fragment
    a.send(true, {invite[1]});
    a.send(false, {a.sack(false), a.data(false, a.sip(SipStep::trying))});
    a.send(false, {a.data(false, a.sip(SipStep::ringing))});
    const auto ok = a.fragments(false, a.sip(SipStep::ok_invite), 2);
    a.send(false, {ok[0]});
    a.send(false, {ok[1]});
    a.send(false, {ok[0], ok[1]});  // the whole message retransmitted in one packet
    a.send(true, {a.sack(true), a.data(true, a.sip(SipStep::ack))});
    const SctpChunk bye = a.data(true, a.sip(SipStep::bye));
    a.send(true, {bye});
    a.send(true, {bye});
    a.send(false, {a.sack(false), a.data(false, a.sip(SipStep::ok_bye))});
    a.shutdown();
    return make_info(name, 7, a.call(),
                     "SCTP fragmentation: INVITE in 3 DATA fragments sent 3,1,2 with fragment 1 retransmitted; 200 OK "
                     "in 2 fragments then retransmitted whole; BYE retransmitted (same TSN)");
}

// I-DATA (RFC 8260): the INVITE in 3 fragments interleaved with a whole OPTIONS-free message on
// another stream, on IPv6.
CaseInfo idata_case(const std::string& dir, const std::string& name) {
    SipCall c = sctp_call(name, true);
    c.sdp_min_bytes = 1800;
    Association a(c, true, dir + "/" + name + ".pcap");
    a.handshake();
    const auto invite = a.idata(true, a.sip(SipStep::invite), 3, 0);
    a.send(true, {invite[0]});
    a.send(true, {invite[2], invite[1]});
    for (SipStep step : {SipStep::trying, SipStep::ringing, SipStep::ok_invite})
        a.send(false, {a.sack(false), a.idata(false, a.sip(step), 1, 0)[0]});
    for (SipStep step : {SipStep::ack, SipStep::bye}) a.send(true, {a.sack(true), a.idata(true, a.sip(step), 1, 1)[0]});
    a.send(false, {a.sack(false), a.idata(false, a.sip(SipStep::ok_bye), 1, 1)[0]});
    a.shutdown();
    return make_info(name, 7, a.call(),
                     "IPv6 SCTP with I-DATA chunks (RFC 8260): INVITE in 3 fragments (FSN 0..2, the last two bundled in "
                     "reverse order), the other messages whole on streams 0 and 1");
}

// Malformed packets around a good call: a packet whose second chunk's length runs past the end,
// one with a chunk length below 4, an empty DATA chunk, a packet with a wrong CRC32c, and an
// ABORT with a tag of neither side (the association goes on).
CaseInfo malformed_case(const std::string& dir, const std::string& name) {
    Association a(sctp_call(name, false), false, dir + "/" + name + ".pcap");
    a.handshake();
    SctpChunk runaway = sctp_control(kHeartbeat, 0, Bytes{0, 1, 0, 8, 1, 2, 3, 4});
    runaway.length = 200;  // beyond the packet
    a.send(true, {a.data(true, a.sip(SipStep::invite)), runaway});
    SctpChunk short_chunk = sctp_control(kHeartbeat);
    short_chunk.length = 2;  // below the chunk header
    a.send(false, {a.data(false, a.sip(SipStep::trying)), short_chunk});
    a.send(false, {a.data(false, "", 0)});  // DATA without user data
    a.write(a.packet(false, {a.data(false, a.sip(SipStep::ringing))}, 0xbadc0de5u));  // wrong checksum
    a.send(false, {a.data(false, a.sip(SipStep::ok_invite))});
    a.write(a.packet(true, {sctp_control(kAbort)}, std::nullopt, 0x77777777u));  // forged tag: ignored
    for (SipStep step : {SipStep::ack, SipStep::bye}) a.send(true, {a.data(true, a.sip(step))});
    a.send(false, {a.data(false, a.sip(SipStep::ok_bye))});
    a.shutdown();
    return make_info(name, 7, a.call(),
                     "SCTP malformed chunks around one call: a chunk length past the packet end after a good DATA, a chunk "
                     "length of 2, an empty DATA chunk, a packet with a wrong CRC32c (processed, counted), an ABORT with a "
                     "forged verification tag (ignored)");
}

}  // namespace

std::vector<CaseInfo> write_sctp_cases(const std::string& outdir) {
    return {
        basic_case(outdir, "sctp-basic", false),
        basic_case(outdir, "sctp-ipv6", true),
        bundled_case(outdir, "sctp-bundled"),
        fragmented_case(outdir, "sctp-fragmented-out-of-order"),
        idata_case(outdir, "sctp-idata-ipv6"),
        malformed_case(outdir, "sctp-malformed-chunks"),
    };
}

}  // namespace scamgate::pcapgen
