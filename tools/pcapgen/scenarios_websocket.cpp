// Decoding cases for what a next hop routes but a strict parser refuses: SIP over WebSocket
// (RFC 7118: HTTP Upgrade on a non-standard port, masked and unmasked frames, continuation
// frames, control frames, several SIP messages over one connection), bad Content-Length values
// over UDP, an INVITE with a 64 KiB SDP over TCP, and lenient header forms.
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pcapgen/packet_builder.h"
#include "pcapgen/pcap_writer.h"
#include "pcapgen/scenarios.h"
#include "pcapgen/websocket_builder.h"

namespace scamgate::pcapgen {
namespace {

constexpr Timestamp kEpoch = (1'768'464'000LL + 7200) * kNanosPerSecond;  // 2026-01-15T10:00:00Z
constexpr Timestamp kGap = 10'000'000;                                     // 10 ms
constexpr std::uint8_t kSyn = 0x02, kAck = 0x10, kPshAck = 0x18, kFinAck = 0x11, kSynAck = 0x12;
constexpr std::string_view kCaller = "203.0.113.10", kGateway = "198.51.100.1";
constexpr Mac kCallerMac{0x02, 0x00, 0xcb, 0x00, 0x71, 0x0a};
constexpr Mac kGatewayMac{0x02, 0x00, 0xc6, 0x33, 0x64, 0x01};
constexpr std::array<std::uint8_t, 4> kMaskA{0x37, 0xfa, 0x21, 0x3d};
constexpr std::array<std::uint8_t, 4> kMaskB{0x9c, 0x05, 0x6e, 0xd2};

class Writer {
public:
    explicit Writer(const std::string& path) : w_(path, linktype::ethernet) {
        if (!w_.ok()) throw std::runtime_error("cannot write " + path);
    }
    void frame(const Bytes& f) {
        ts_ += kGap;
        w_.write(ts_, f);
    }

private:
    PcapWriter w_;
    Timestamp ts_ = kEpoch;
};

PacketBuilder ip_layers(bool from_caller, std::uint16_t ip_id) {
    PacketBuilder b;
    b.ethernet({.dst = from_caller ? kGatewayMac : kCallerMac, .src = from_caller ? kCallerMac : kGatewayMac});
    b.ipv4(from_caller ? kCaller : kGateway, from_caller ? kGateway : kCaller, {.id = ip_id, .dont_fragment = true});
    return b;
}

// One TCP connection from the caller to the gateway's `port`.
class Tcp {
public:
    Tcp(Writer& w, std::uint16_t caller_port, std::uint16_t port) : w_(w), caller_port_(caller_port), port_(port) {}

    void open() {
        segment(true, kSyn);
        segment(false, kSynAck);
        segment(true, kAck);
    }
    void close() {
        segment(true, kFinAck);
        segment(false, kFinAck);
        segment(true, kAck);
    }
    // `data` in segments of at most `mss` bytes.
    void send(bool from_caller, std::string_view data, std::size_t mss = 1400) {
        for (std::size_t at = 0; at < data.size(); at += mss) segment(from_caller, kPshAck, data.substr(at, mss));
    }

private:
    void segment(bool from_caller, std::uint8_t flags, std::string_view data = {}) {
        std::uint32_t& seq = from_caller ? caller_seq_ : gateway_seq_;
        const std::uint32_t ack = from_caller ? gateway_seq_ : caller_seq_;
        PacketBuilder b = ip_layers(from_caller, ip_id_++);
        b.tcp({.src_port = from_caller ? caller_port_ : port_, .dst_port = from_caller ? port_ : caller_port_, .seq = seq,
               .ack = (flags & kAck) ? ack : 0, .flags = flags});
        if (!data.empty()) b.payload(data);
        seq += static_cast<std::uint32_t>(data.size()) + ((flags & (kSyn | 0x01)) ? 1u : 0u);
        w_.frame(b.build());
    }

    Writer& w_;
    std::uint16_t caller_port_, port_;
    std::uint32_t caller_seq_ = 0x31000000, gateway_seq_ = 0x72000000;
    std::uint16_t ip_id_ = 0x6100;
};

struct Ctx {
    std::string dir;
    std::string name;
    std::vector<ExpectedSms>* expected;
    std::string path() const { return dir + "/" + name + ".pcap"; }
};

SipCall ws_call(const Ctx& ctx, int n, std::uint16_t port, std::string caller) {
    SipCall c;
    c.call_id = "pcapgen-" + ctx.name + "-" + std::to_string(n) + "@203.0.113.10";
    c.caller = std::move(caller);
    c.callee = "+842437001001";
    c.caller_ip = std::string(kCaller);
    c.gateway_ip = std::string(kGateway);
    c.caller_port = 45100;
    c.gateway_port = port;
    c.tcp = true;
    c.transport = "WS";
    c.user_agent = "JsSIP 3.10.1";
    c.sdp_min_bytes = 300;
    return c;
}

// A client frame (masked with `mask`, or unmasked when the case is lenient) or a server frame.
std::string ws(std::string_view sip, std::optional<std::array<std::uint8_t, 4>> mask, std::uint8_t opcode = 0x1) {
    return websocket_frame(sip, {.opcode = opcode, .mask = mask});
}

CaseInfo info(const Ctx& ctx, std::size_t messages, std::vector<std::string> call_ids, std::string description) {
    CaseInfo i{ctx.name, ctx.name + ".pcap", linktype::ethernet, messages, 0, std::move(call_ids), std::move(description)};
    return i;
}

// Handshake on 8089, masked client frames, unmasked server frames: an answered call and a SIP
// MESSAGE (text/plain) with its 200.
CaseInfo ws_basic_case(const Ctx& ctx) {
    Writer w(ctx.path());
    const SipCall c = ws_call(ctx, 1, 8089, "+84912345678");
    Tcp t(w, c.caller_port, c.gateway_port);
    t.open();
    t.send(true, websocket_upgrade_request("198.51.100.1:8089", "/ws"));
    t.send(false, websocket_upgrade_response());
    for (SipStep step : call_steps(CallOutcome::answered)) {
        const bool caller = sent_by_caller(step);
        t.send(caller, ws(render_sip(c, step), caller ? std::optional(kMaskA) : std::nullopt));
    }
    SipMessageSpec m{.from_user = "+84912345678", .to_user = "+84987111222",
                     .request_uri = "sip:+84987111222@198.51.100.1:8089", .domain = "198.51.100.1",
                     .src_host = std::string(kCaller), .dst_host = std::string(kGateway), .src_port = 45100,
                     .tcp = true, .call_id = "pcapgen-" + ctx.name + "-sms@203.0.113.10", .cseq = 1,
                     .content_type = "text/plain;charset=UTF-8",
                     .body = "Tai khoan cua ban bi khoa. Xac minh tai http://vcb-xacminh.top ngay",
                     .extra_headers = ""};
    t.send(true, ws(render_sip_message(m), kMaskA));
    t.send(false, ws(render_sip_message_response(m, "200 OK"), std::nullopt));
    ctx.expected->push_back({ctx.name, "sip", "MESSAGE", m.from_user, -1, m.to_user, m.body, "ascii"});
    t.send(true, websocket_frame("\x03\xe8", {.opcode = 0x8, .mask = kMaskA}));
    t.send(false, websocket_frame("\x03\xe8", {.opcode = 0x8}));
    t.close();
    CaseInfo i = info(ctx, 9, {c.call_id},
                      "SIP over WebSocket on TCP 8089: HTTP Upgrade (Sec-WebSocket-Protocol: sip), client frames "
                      "masked, server frames unmasked; an answered call and a SIP MESSAGE; close frames");
    i.sms = 1;
    return i;
}

// On TCP 80: the INVITE in three masked continuation frames with a ping between them; ACK and
// BYE in unmasked client frames (what a lenient server takes); the 200 OK as a binary frame cut
// across two TCP segments; 16- and 64-bit length encodings.
CaseInfo ws_fragmented_case(const Ctx& ctx) {
    Writer w(ctx.path());
    const SipCall c = ws_call(ctx, 1, 80, "+84988776655");
    Tcp t(w, c.caller_port, c.gateway_port);
    t.open();
    t.send(true, websocket_upgrade_request("198.51.100.1", "/"));
    t.send(false, websocket_upgrade_response());
    const auto parts = websocket_fragments(render_sip(c, SipStep::invite), 3, 0x1, kMaskB);
    t.send(true, parts[0]);
    t.send(true, websocket_frame("keepalive", {.opcode = 0x9, .mask = kMaskB}) + parts[1]);
    t.send(false, websocket_frame("keepalive", {.opcode = 0xA}));
    t.send(true, parts[2]);
    t.send(false, ws(render_sip(c, SipStep::trying), std::nullopt) + ws(render_sip(c, SipStep::ringing), std::nullopt));
    const std::string ok = websocket_frame(render_sip(c, SipStep::ok_invite), {.opcode = 0x2, .length = WsLength::bits64});
    t.send(false, ok, ok.size() / 2 + 1);
    t.send(true, ws(render_sip(c, SipStep::ack), std::nullopt));
    t.send(true, websocket_frame(render_sip(c, SipStep::bye), {.length = WsLength::bits16}));
    t.send(false, ws(render_sip(c, SipStep::ok_bye), std::nullopt));
    t.close();
    return info(ctx, 7, {c.call_id},
                "SIP over WebSocket on TCP 80: INVITE in 3 masked continuation frames around a ping, a pong; "
                "unmasked client ACK and BYE; 200 OK a binary frame with a 64-bit length cut across 2 segments");
}

// One connection on 9000, two calls (busy, cancelled), CRLF keepalive frames, two SIP messages in
// one TCP segment; the client offers permessage-deflate, the server does not take it.
CaseInfo ws_several_case(const Ctx& ctx) {
    Writer w(ctx.path());
    const SipCall busy = ws_call(ctx, 1, 9000, "+84912000111");
    const SipCall cancelled = ws_call(ctx, 2, 9000, "+442079460000");
    Tcp t(w, busy.caller_port, busy.gateway_port);
    t.open();
    t.send(true, websocket_upgrade_request("198.51.100.1:9000", "/sip", "sip", true));
    t.send(false, websocket_upgrade_response("sip", false));
    t.send(true, ws("\r\n\r\n", kMaskA));
    t.send(false, ws("\r\n", std::nullopt));
    std::size_t messages = 0;
    for (const SipCall* c : {&busy, &cancelled}) {
        const auto& steps = call_steps(c == &busy ? CallOutcome::busy : CallOutcome::cancelled);
        std::string pending;  // responses go two to a segment
        for (SipStep step : steps) {
            const bool caller = sent_by_caller(step);
            const std::string frame = ws(render_sip(*c, step), caller ? std::optional(kMaskB) : std::nullopt);
            ++messages;
            if (caller) {
                if (!pending.empty()) t.send(false, pending);
                pending.clear();
                t.send(true, frame);
            } else {
                pending += frame;
                if (pending.size() > frame.size()) {
                    t.send(false, pending);
                    pending.clear();
                }
            }
        }
        if (!pending.empty()) t.send(false, pending);
    }
    t.close();
    return info(ctx, messages, {busy.call_id, cancelled.call_id},
                "SIP over WebSocket on TCP 9000: two calls (busy, cancelled) on one connection, CRLF keepalive "
                "frames, two responses in one TCP segment; permessage-deflate offered but not taken");
}

// ---- Malformed but routed --------------------------------------------------------------------

SipCall udp_call(const Ctx& ctx, int n, std::string caller) {
    SipCall c;
    c.call_id = "pcapgen-" + ctx.name + "-" + std::to_string(n) + "@203.0.113.10";
    c.caller = std::move(caller);
    c.callee = "+842437001001";
    c.caller_ip = std::string(kCaller);
    c.gateway_ip = std::string(kGateway);
    return c;
}

Bytes udp(bool from_caller, std::string_view sip, std::uint16_t ip_id) {
    return ip_layers(from_caller, ip_id).udp(5060, 5060).payload(sip).build();
}

// The INVITE's text with `edit` applied; the rest of a busy call as rendered.
template <typename Edit>
void write_udp_busy_call(Writer& w, const SipCall& c, Edit edit, std::uint16_t& ip_id) {
    for (SipStep step : call_steps(CallOutcome::busy)) {
        std::string text = render_sip(c, step);
        if (step == SipStep::invite) edit(text);
        w.frame(udp(sent_by_caller(step), text, ip_id++));
    }
}

void replace_header(std::string& text, std::string_view name, std::string_view new_line) {
    const std::size_t at = text.find(std::string("\r\n") + std::string(name) + ":");
    if (at == std::string::npos) throw std::logic_error("no header " + std::string(name));
    const std::size_t end = text.find("\r\n", at + 2);
    text.replace(at + 2, end - at - 2, new_line);
}

// Calls whose INVITE carries a Content-Length that is not a number, negative, huge, missing,
// larger or smaller than the body. Kamailio routes each over UDP; each call must be recorded.
CaseInfo udp_bad_content_length_case(const Ctx& ctx) {
    Writer w(ctx.path());
    const std::vector<std::string> values = {"abc", "-1", "-999", "99999999999999999999", "", "+1000", "5"};
    std::vector<std::string> call_ids;
    std::uint16_t ip_id = 0x7100;
    int n = 0;
    for (const auto& value : values) {
        ++n;
        const SipCall c = udp_call(ctx, n, "+8491234560" + std::to_string(n));
        call_ids.push_back(c.call_id);
        write_udp_busy_call(w, c, [&](std::string& text) {
            if (value.empty()) {
                const std::size_t at = text.find("\r\nContent-Length:");
                text.erase(at, text.find("\r\n", at + 2) - at);
            } else if (value == "+1000") {
                const std::size_t body = text.size() - text.find("\r\n\r\n") - 4;
                replace_header(text, "Content-Length", "Content-Length: " + std::to_string(body + 1000));
            } else {
                replace_header(text, "Content-Length", "Content-Length: " + value);
            }
        }, ip_id);
    }
    return info(ctx, 4 * values.size(), call_ids,
                "UDP: 7 busy calls whose INVITE Content-Length is abc, -1, -999, 20 digits, missing, 1000 more "
                "than the body, 5 (less than the body)");
}

// An INVITE whose SDP (ICE candidates) makes it larger than 64 KiB, over TCP in 1400-byte segments,
// then the rest of an answered call on the same connection.
CaseInfo tcp_big_sdp_case(const Ctx& ctx) {
    Writer w(ctx.path());
    SipCall c = udp_call(ctx, 1, "+84912345678");
    c.tcp = true;
    c.caller_port = 45200;
    c.sdp_min_bytes = 66000;
    Tcp t(w, c.caller_port, c.gateway_port);
    t.open();
    for (SipStep step : call_steps(CallOutcome::answered)) t.send(sent_by_caller(step), render_sip(c, step));
    t.close();
    return info(ctx, 7, {c.call_id},
                "TCP 5060: an answered call whose INVITE carries a 66 kB SDP (past sip.max_message_size, 65535), "
                "in 1400-byte segments");
}

// Header forms Kamailio 5.6 accepts: LF-only line ends, compact names in odd case with white
// space around the colon, folded lines, several spaces in the request line, duplicate From,
// 300 filler headers before the From.
CaseInfo udp_lenient_forms_case(const Ctx& ctx) {
    Writer w(ctx.path());
    std::vector<std::string> call_ids;
    std::uint16_t ip_id = 0x7300;
    int n = 0;
    auto call = [&](auto edit) {
        ++n;
        const SipCall c = udp_call(ctx, n, "+8498765430" + std::to_string(n));
        call_ids.push_back(c.call_id);
        write_udp_busy_call(w, c, edit, ip_id);
    };
    call([](std::string& text) {  // LF-only header block (the SDP keeps its CRLF; Content-Length still right)
        const std::size_t end = text.find("\r\n\r\n");
        std::string head = text.substr(0, end);
        for (std::size_t at; (at = head.find("\r\n")) != std::string::npos;) head.erase(at, 1);
        text = head + "\n\n" + text.substr(end + 4);
    });
    call([](std::string& text) {  // compact forms, odd case, white space around the colon
        for (auto [from, to] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
                 {"\r\nVia: ", "\r\nv : "}, {"\r\nFrom: ", "\r\nf\t: "}, {"\r\nTo: ", "\r\nT:"}, {"\r\nCall-ID: ", "\r\ni : "},
                 {"\r\nCSeq: ", "\r\ncSeQ: "}, {"\r\nContact: ", "\r\nm: "}, {"\r\nContent-Type: ", "\r\nc: "},
                 {"\r\nContent-Length: ", "\r\nL: "}, {"\r\nMax-Forwards: ", "\r\nMAX-FORWARDS: "}}) {
            text.replace(text.find(from), from.size(), to);
        }
    });
    call([](std::string& text) {  // folded From and Via (obs-fold)
        const std::size_t tag = text.find(";tag=");
        text.insert(tag, "\r\n\t");
        const std::size_t from = text.find("\r\nFrom: ") + 8;
        text.replace(from - 1, 1, "\r\n   ");
        const std::size_t branch = text.find(";branch=");
        text.insert(branch, "\r\n ");
    });
    call([](std::string& text) {  // several spaces in the request line
        text.replace(text.find(' '), 1, "   ");
        text.replace(text.find(" SIP/2.0\r\n"), 1, "  ");
    });
    call([](std::string& text) {  // a second From (the first one counts)
        const std::size_t end = text.find("\r\n", text.find("\r\nFrom: ") + 2);
        text.insert(end, "\r\nFrom: <sip:+442079460000@203.0.113.10>;tag=second");
    });
    call([](std::string& text) {  // 300 filler headers before the From
        std::string filler;
        for (int i = 0; i < 300; ++i) filler += "\r\nX-Filler-" + std::to_string(i) + ": " + std::string(8, 'f');
        text.insert(text.find("\r\nFrom: "), filler);
    });
    return info(ctx, 4 * call_ids.size(), call_ids,
                "UDP: 6 busy calls whose INVITE has LF-only line ends; compact names in odd case with white space "
                "around the colon; folded From and Via; several spaces in the request line; two From headers; "
                "300 filler headers before the From");
}

}  // namespace

std::vector<CaseInfo> write_websocket_cases(const std::string& outdir, std::vector<ExpectedSms>& expected) {
    using Fn = CaseInfo (*)(const Ctx&);
    const std::vector<std::pair<std::string, Fn>> cases = {
        {"ws-sip-8089", ws_basic_case},
        {"ws-sip-fragmented-80", ws_fragmented_case},
        {"ws-sip-several-9000", ws_several_case},
        {"udp-bad-content-length", udp_bad_content_length_case},
        {"tcp-big-sdp", tcp_big_sdp_case},
        {"udp-lenient-forms", udp_lenient_forms_case},
    };
    std::vector<CaseInfo> out;
    for (const auto& [name, fn] : cases) out.push_back(fn(Ctx{outdir, name, &expected}));
    return out;
}

}  // namespace scamgate::pcapgen
