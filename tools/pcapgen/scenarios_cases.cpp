// Decoding cases: one small capture per link type, tunnel, fragmentation or TCP corner case,
// each carrying a real SIP call with its own Call-ID, plus the expected counts in cases.tsv.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>

#include "pcapgen/packet_builder.h"
#include "pcapgen/pcap_writer.h"
#include "pcapgen/scenarios.h"

namespace scamgate::pcapgen {
namespace {

constexpr Timestamp kCaseEpoch = 1'768'464'000LL * kNanosPerSecond;  // 2026-01-15T08:00:00Z
constexpr Timestamp kFrameGap = 20'000'000;                          // 20 ms between frames
constexpr std::string_view kCaller4 = "203.0.113.10", kGateway4 = "198.51.100.1";
constexpr std::string_view kCaller6 = "2001:db8:113::10", kGateway6 = "2001:db8:100::1";
constexpr Mac kCallerMac{0x02, 0x00, 0xcb, 0x00, 0x71, 0x0a};
constexpr Mac kGatewayMac{0x02, 0x00, 0xc6, 0x33, 0x64, 0x01};

enum class Link { ethernet, vlan, qinq, sll, sll2, raw, null, pppoe, vlan_pppoe };
enum class Tunnel { none, gre, erspan2, erspan3, ipip, ipv6_in_ipv4, gtpu };

// How a frame reaches the capture: link layer, optional tunnel, inner IP version.
struct Path {
    Link link = Link::ethernet;
    Tunnel tunnel = Tunnel::none;
    bool ipv6 = false;
};

int linktype_of(Link link) {
    switch (link) {
        case Link::sll: return linktype::linux_sll;
        case Link::sll2: return linktype::linux_sll2;
        case Link::raw: return linktype::raw;
        case Link::null: return linktype::null;
        default: return linktype::ethernet;
    }
}

void add_ethernet(PacketBuilder& b, bool from_caller) {
    b.ethernet({.dst = from_caller ? kGatewayMac : kCallerMac, .src = from_caller ? kCallerMac : kGatewayMac});
}

void add_link(PacketBuilder& b, Link link, bool from_caller) {
    switch (link) {
        case Link::ethernet: add_ethernet(b, from_caller); break;
        case Link::vlan: add_ethernet(b, from_caller); b.vlan(113); break;
        case Link::qinq: add_ethernet(b, from_caller); b.qinq(2001); b.vlan(113); break;
        case Link::sll: b.sll({.packet_type = from_caller ? std::uint16_t{0} : std::uint16_t{4}}); break;
        case Link::sll2: b.sll2({.packet_type = from_caller ? std::uint8_t{0} : std::uint8_t{4}}); break;
        case Link::raw: break;
        case Link::null: b.null_link(); break;
        case Link::pppoe: add_ethernet(b, from_caller); b.pppoe({.session_id = 0x1a2b}); break;
        case Link::vlan_pppoe: add_ethernet(b, from_caller); b.vlan(113); b.pppoe({.session_id = 0x0042}); break;
    }
}

// Outer addresses of tunnels live in 192.0.2.0/24 (TEST-NET-1).
void add_tunnel(PacketBuilder& b, Tunnel tunnel, bool from_caller) {
    const std::string_view a = from_caller ? "192.0.2.10" : "192.0.2.20";
    const std::string_view z = from_caller ? "192.0.2.20" : "192.0.2.10";
    switch (tunnel) {
        case Tunnel::none: break;
        case Tunnel::gre: b.ipv4(a, z).gre({.key = 0x5c}); break;
        case Tunnel::erspan2:
            b.ipv4("192.0.2.1", "192.0.2.2").erspan({.type = 2, .session_id = 42, .vlan = 113});
            add_ethernet(b, from_caller);
            break;
        case Tunnel::erspan3:
            b.ipv4("192.0.2.1", "192.0.2.2").erspan({.type = 3, .session_id = 43, .vlan = 113, .timestamp = 12345});
            add_ethernet(b, from_caller);
            break;
        case Tunnel::ipip:
        case Tunnel::ipv6_in_ipv4: b.ipv4(a, z); break;
        case Tunnel::gtpu: b.ipv4(a, z).udp(2152, 2152).gtpu({.teid = from_caller ? 0x1001u : 0x2002u}); break;
    }
}

PacketBuilder ip_layers(const Path& p, const SipCall& c, bool from_caller) {
    PacketBuilder b;
    add_link(b, p.link, from_caller);
    add_tunnel(b, p.tunnel, from_caller);
    const std::string& src = from_caller ? c.caller_ip : c.gateway_ip;
    const std::string& dst = from_caller ? c.gateway_ip : c.caller_ip;
    if (p.ipv6) b.ipv6(src, dst);
    else b.ipv4(src, dst, {.id = static_cast<std::uint16_t>(0x4000 + src.size() * 7 + dst.size())});
    return b;
}

std::uint16_t src_port(const SipCall& c, bool from_caller) { return from_caller ? c.caller_port : c.gateway_port; }
std::uint16_t dst_port(const SipCall& c, bool from_caller) { return from_caller ? c.gateway_port : c.caller_port; }

PacketBuilder udp_builder(const Path& p, const SipCall& c, bool from_caller, std::string_view payload) {
    PacketBuilder b = ip_layers(p, c, from_caller);
    b.udp(src_port(c, from_caller), dst_port(c, from_caller)).payload(payload);
    return b;
}

Bytes udp_frame(const Path& p, const SipCall& c, bool from_caller, std::string_view payload) {
    return udp_builder(p, c, from_caller, payload).build();
}

// One output file; every frame gets the next timestamp.
class CaseWriter {
public:
    CaseWriter(const std::string& path, int linktype, std::uint32_t snaplen = 65535, bool pcapng_nano = false)
        : snaplen_(snaplen), nano_(pcapng_nano) {
        if (pcapng_nano) ng_ = std::make_unique<PcapngWriter>(path, linktype, snaplen, TimeResolution::nano);
        else pcap_ = std::make_unique<PcapWriter>(path, linktype, snaplen);
        if (!(ng_ ? ng_->ok() : pcap_->ok())) throw std::runtime_error("cannot write " + path);
    }
    void frame(const Bytes& f) {
        ts_ += kFrameGap + (nano_ ? 123'457 : 0);  // nanosecond digits only where they are kept
        if (ng_) ng_->write(ts_, f);
        else pcap_->write(ts_, f);
        if (f.size() > snaplen_) ++cut_;
    }
    std::size_t cut_frames() const { return cut_; }

private:
    std::unique_ptr<PcapWriter> pcap_;
    std::unique_ptr<PcapngWriter> ng_;
    Timestamp ts_ = kCaseEpoch;
    std::uint32_t snaplen_;
    bool nano_;
    std::size_t cut_ = 0;
};

SipCall make_call(const std::string& case_name, const Path& p) {
    SipCall c;
    c.call_id = "pcapgen-" + case_name + "-1@" + std::string(p.ipv6 ? kCaller6 : kCaller4);
    c.caller = "+84912345678";
    c.callee = "+842437001001";
    c.caller_ip = std::string(p.ipv6 ? kCaller6 : kCaller4);
    c.gateway_ip = std::string(p.ipv6 ? kGateway6 : kGateway4);
    c.sdp_min_bytes = 600;
    return c;
}

void write_udp_call(CaseWriter& w, const Path& p, const SipCall& c) {
    for (SipStep step : call_steps(CallOutcome::answered))
        w.frame(udp_frame(p, c, sent_by_caller(step), render_sip(c, step)));
}

struct CaseContext {
    std::string dir;
    std::string name;
    std::string file() const { return name + ".pcap"; }
    std::string path(std::string_view file_name) const { return dir + "/" + std::string(file_name); }
};

CaseInfo info(const CaseContext& ctx, int linktype, std::size_t messages, const SipCall& c, std::string d) {
    return {ctx.name, ctx.file(), linktype, messages, 0, {c.call_id}, std::move(d)};
}

// A plain answered UDP call over the given path.
CaseInfo udp_case(const CaseContext& ctx, const Path& p, std::string description) {
    const SipCall c = make_call(ctx.name, p);
    CaseWriter w(ctx.path(ctx.file()), linktype_of(p.link));
    write_udp_call(w, p, c);
    return info(ctx, linktype_of(p.link), 7, c, std::move(description));
}

CaseInfo udp_port_case(const CaseContext& ctx, std::uint16_t port, std::string description) {
    SipCall c = make_call(ctx.name, {});
    c.gateway_port = port;
    c.caller_port = static_cast<std::uint16_t>(port == 5080 ? 5080 : 40002);
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    write_udp_call(w, {}, c);
    return info(ctx, linktype::ethernet, 7, c, std::move(description));
}

// The INVITE's SDP is padded past the MTU and the INVITE is sent as IP fragments, last first.
CaseInfo fragmented_case(const CaseContext& ctx, bool ipv6, std::string description) {
    const Path p{.ipv6 = ipv6};
    SipCall c = make_call(ctx.name, p);
    c.sdp_min_bytes = 2600;
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    for (SipStep step : call_steps(CallOutcome::answered)) {
        const bool caller = sent_by_caller(step);
        const PacketBuilder b = udp_builder(p, c, caller, render_sip(c, step));
        if (step != SipStep::invite) { w.frame(b.build()); continue; }
        std::vector<Bytes> frags = b.fragments(1400, 0, 0x5ca11ed);
        std::reverse(frags.begin(), frags.end());
        for (const Bytes& f : frags) w.frame(f);
    }
    return info(ctx, linktype::ethernet, 7, c, std::move(description));
}

// ---- TCP ------------------------------------------------------------------------------------

constexpr std::uint8_t kSyn = 0x02, kAck = 0x10, kPshAck = 0x18, kFinAck = 0x11, kSynAck = 0x12;

// Builds the frames of one TCP connection in send order; the case decides what to write.
class TcpStream {
public:
    TcpStream(Path p, SipCall c) : path_(p), call_(std::move(c)) {}

    Bytes segment(bool from_caller, std::uint8_t flags, std::string_view data = {}) {
        std::uint32_t& seq = from_caller ? caller_seq_ : gateway_seq_;
        const std::uint32_t ack = from_caller ? gateway_seq_ : caller_seq_;
        PacketBuilder b = ip_layers(path_, call_, from_caller);
        b.tcp({.src_port = src_port(call_, from_caller), .dst_port = dst_port(call_, from_caller),
               .seq = seq, .ack = (flags & kAck) ? ack : 0, .flags = flags});
        if (!data.empty()) b.payload(data);
        seq += static_cast<std::uint32_t>(data.size()) + ((flags & (kSyn | 0x01)) ? 1u : 0u);
        return b.build();
    }
    std::vector<Bytes> handshake() {
        return {segment(true, kSyn), segment(false, kSynAck), segment(true, kAck)};
    }
    std::vector<Bytes> teardown() {
        return {segment(true, kFinAck), segment(false, kFinAck), segment(true, kAck)};
    }
    // Splits `data` into `parts` nearly equal segments.
    std::vector<Bytes> split(bool from_caller, std::string_view data, std::size_t parts) {
        std::vector<Bytes> out;
        const std::size_t step = (data.size() + parts - 1) / parts;
        for (std::size_t at = 0; at < data.size(); at += step)
            out.push_back(segment(from_caller, kPshAck, data.substr(at, step)));
        return out;
    }
    std::string sip(SipStep step) const { return render_sip(call_, step); }
    const SipCall& call() const { return call_; }

private:
    Path path_;
    SipCall call_;
    std::uint32_t caller_seq_ = 0x10000000;
    std::uint32_t gateway_seq_ = 0x70000000;
};

SipCall tcp_call(const std::string& case_name) {
    SipCall c = make_call(case_name, {});
    c.tcp = true;
    c.caller_port = 43012;
    return c;
}

void write_all(CaseWriter& w, const std::vector<Bytes>& frames) {
    for (const Bytes& f : frames) w.frame(f);
}

// INVITE over 3 segments, 100+180 in one segment, ACK+BYE in one segment.
CaseInfo tcp_segmented_case(const CaseContext& ctx) {
    TcpStream t({}, tcp_call(ctx.name));
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    write_all(w, t.handshake());
    write_all(w, t.split(true, t.sip(SipStep::invite), 3));
    w.frame(t.segment(false, kPshAck, t.sip(SipStep::trying) + t.sip(SipStep::ringing)));
    w.frame(t.segment(false, kPshAck, t.sip(SipStep::ok_invite)));
    w.frame(t.segment(true, kPshAck, t.sip(SipStep::ack) + t.sip(SipStep::bye)));
    w.frame(t.segment(false, kPshAck, t.sip(SipStep::ok_bye)));
    write_all(w, t.teardown());
    return info(ctx, linktype::ethernet, 7, t.call(),
                "TCP: INVITE split over 3 segments; 100+180 in one segment; ACK+BYE in one segment");
}

// INVITE's two segments arrive swapped; the 200 OK and the BYE are each retransmitted.
CaseInfo tcp_reorder_case(const CaseContext& ctx) {
    TcpStream t({}, tcp_call(ctx.name));
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    write_all(w, t.handshake());
    std::vector<Bytes> invite = t.split(true, t.sip(SipStep::invite), 2);
    w.frame(invite[1]);
    w.frame(invite[0]);
    w.frame(t.segment(false, kPshAck, t.sip(SipStep::trying)));
    w.frame(t.segment(false, kPshAck, t.sip(SipStep::ringing)));
    const Bytes ok = t.segment(false, kPshAck, t.sip(SipStep::ok_invite));
    w.frame(ok);
    w.frame(ok);
    w.frame(t.segment(true, kPshAck, t.sip(SipStep::ack)));
    const Bytes bye = t.segment(true, kPshAck, t.sip(SipStep::bye));
    w.frame(bye);
    w.frame(bye);
    w.frame(t.segment(false, kPshAck, t.sip(SipStep::ok_bye)));
    write_all(w, t.teardown());
    return info(ctx, linktype::ethernet, 7, t.call(),
                "TCP: INVITE segments out of order; 200 OK and BYE retransmitted (same seq)");
}

// No handshake: the capture starts inside the tail of an earlier BYE, then a complete call.
CaseInfo tcp_midstream_case(const CaseContext& ctx) {
    SipCall earlier = tcp_call(ctx.name);
    earlier.call_id = "pcapgen-" + ctx.name + "-earlier@203.0.113.10";
    const std::string old_bye = render_sip(earlier, SipStep::bye);
    TcpStream t({}, tcp_call(ctx.name));
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    t.handshake();  // happened before the capture started: advance sequence numbers only
    w.frame(t.segment(true, kPshAck, std::string_view(old_bye).substr(old_bye.size() / 2)));
    for (SipStep step : call_steps(CallOutcome::answered))
        w.frame(t.segment(sent_by_caller(step), kPshAck, t.sip(step)));
    CaseInfo i = info(ctx, linktype::ethernet, 7, t.call(),
                      "TCP picked up mid-stream: no SYN, first segment is the second half of a BYE, then a full call");
    i.cut = 1;
    return i;
}

// The middle segment of the 200 OK is lost; ACK, BYE and 200 follow in their own segments.
CaseInfo tcp_gap_case(const CaseContext& ctx) {
    TcpStream t({}, tcp_call(ctx.name));
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    write_all(w, t.handshake());
    for (SipStep step : {SipStep::invite, SipStep::trying, SipStep::ringing})
        w.frame(t.segment(sent_by_caller(step), kPshAck, t.sip(step)));
    std::vector<Bytes> ok = t.split(false, t.sip(SipStep::ok_invite), 3);
    w.frame(ok[0]);
    w.frame(ok[2]);  // ok[1] never reaches the capture
    for (SipStep step : {SipStep::ack, SipStep::bye, SipStep::ok_bye})
        w.frame(t.segment(sent_by_caller(step), kPshAck, t.sip(step)));
    write_all(w, t.teardown());
    CaseInfo i = info(ctx, linktype::ethernet, 6, t.call(),
                      "TCP with a lost segment: 200 OK loses its middle third; ACK, BYE, 200 after the gap are complete");
    i.cut = 1;
    return i;
}

// ---- file-level cases -----------------------------------------------------------------------

CaseInfo pcapng_nano_case(const CaseContext& ctx) {
    const SipCall c = make_call(ctx.name, {});
    const std::string file = ctx.name + ".pcapng";
    CaseWriter w(ctx.path(file), linktype::ethernet, 65535, true);
    write_udp_call(w, {}, c);
    CaseInfo i = info(ctx, linktype::ethernet, 7, c, "pcapng, if_tsresol=9 (nanosecond timestamps)");
    i.file = file;
    return i;
}

// Two calls under snaplen 1100: call 1 fits whole; call 2's INVITE (~1.4 kB) keeps its headers
// but loses the end of its SDP, so only call 1 has a complete INVITE.
CaseInfo snaplen_case(const CaseContext& ctx) {
    SipCall whole = make_call(ctx.name, {});
    whole.sdp_min_bytes = 0;
    SipCall cut = whole;
    cut.call_id = "pcapgen-" + ctx.name + "-2@203.0.113.10";
    cut.caller = "+84988776655";
    cut.sdp_min_bytes = 650;
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet, 1100);
    write_udp_call(w, {}, whole);
    write_udp_call(w, {}, cut);
    CaseInfo i = info(ctx, linktype::ethernet, 14 - w.cut_frames(), whole,
                      "snaplen 1100, two calls: call 1 whole; call 2's INVITE cut inside its SDP (caplen < len), "
                      "its other 6 messages whole");
    i.cut = w.cut_frames();
    return i;
}

// Deterministic filler bytes (xorshift32).
std::string noise(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    for (char& ch : s) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        ch = static_cast<char>(seed & 0xFF);
    }
    return s;
}

CaseInfo garbage_case(const CaseContext& ctx) {
    const SipCall c = make_call(ctx.name, {});
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    const std::string http = "GET /index.html HTTP/1.1\r\nHost: 198.51.100.1:5060\r\nUser-Agent: curl/7.88.1\r\n"
                             "Accept: */*\r\n\r\n";
    w.frame(udp_frame({}, c, true, noise(180, 0x5ca1)));
    w.frame(udp_frame({}, c, true, "\r\n\r\n"));    // RFC 5626 double-CRLF keepalive
    w.frame(udp_frame({}, c, false, "\r\n"));       // pong
    w.frame(udp_frame({}, c, true, std::string(4, '\0')));  // NUL keepalive some phones send
    w.frame(udp_frame({}, c, true, http));
    write_udp_call(w, {}, c);
    w.frame(udp_frame({}, c, true, noise(1200, 0xbad5eed)));
    w.frame(udp_frame({}, c, true, "\r\n\r\n"));
    return info(ctx, linktype::ethernet, 7, c,
                "UDP 5060 garbage: 180 random bytes, CRLF/NUL keepalives, an HTTP GET, 1200 random bytes, around one call");
}

// ---- PPPoE and PPTP ----------------------------------------------------------------------

// PPPoE discovery (PADI, PADO) and session-stage LCP frames before the call: not IP, not errors.
CaseInfo pppoe_case(const CaseContext& ctx, const Path& p, std::string description) {
    const SipCall c = make_call(ctx.name, p);
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    const Bytes padi_tags{0x01, 0x01, 0x00, 0x00};  // Service-Name, empty
    w.frame(PacketBuilder().ethernet({.dst = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, .src = kCallerMac, .ethertype = 0x8863})
                .payload(Bytes{0x11, 0x09, 0x00, 0x00, 0x00, 0x04}).payload(padi_tags).build());
    w.frame(PacketBuilder().ethernet({.dst = kCallerMac, .src = kGatewayMac, .ethertype = 0x8863})
                .payload(Bytes{0x11, 0x07, 0x00, 0x00, 0x00, 0x04}).payload(padi_tags).build());
    const Bytes lcp_echo{0x09, 0x01, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78};  // Echo-Request, magic number
    PacketBuilder lcp;
    add_link(lcp, Link::ethernet, true);
    lcp.pppoe({.session_id = 0x1a2b, .ppp_protocol = 0xC021}).payload(lcp_echo);
    w.frame(lcp.build());
    write_udp_call(w, p, c);
    return info(ctx, linktype::ethernet, 7, c, std::move(description));
}

// Enhanced GRE (PPTP): data packets numbered per direction, each acknowledging the peer's last,
// and an acknowledgment-only packet after every response.
CaseInfo pptp_case(const CaseContext& ctx, bool compressed, std::string description) {
    const SipCall c = make_call(ctx.name, {});
    CaseWriter w(ctx.path(ctx.file()), linktype::ethernet);
    std::uint32_t seq[2] = {1, 1};
    for (SipStep step : call_steps(CallOutcome::answered)) {
        const bool caller = sent_by_caller(step);
        const std::size_t me = caller ? 0 : 1;
        const std::string_view a = caller ? "192.0.2.10" : "192.0.2.20";
        const std::string_view z = caller ? "192.0.2.20" : "192.0.2.10";
        const std::uint16_t call_id = caller ? 0x0c01 : 0x0c02;  // the peer's call id
        PacketBuilder b;
        add_ethernet(b, caller);
        b.ipv4(a, z).pptp({.call_id = call_id, .sequence = seq[me]++,
                           .ack = seq[1 - me] > 1 ? std::optional<std::uint32_t>(seq[1 - me] - 1) : std::nullopt,
                           .address_control = !compressed, .compress_protocol = compressed});
        b.ipv4(caller ? c.caller_ip : c.gateway_ip, caller ? c.gateway_ip : c.caller_ip)
            .udp(src_port(c, caller), dst_port(c, caller))
            .payload(render_sip(c, step));
        w.frame(b.build());
        if (!caller) {
            PacketBuilder ack;
            add_ethernet(ack, true);
            ack.ipv4("192.0.2.10", "192.0.2.20").pptp({.call_id = 0x0c01, .sequence = std::nullopt, .ack = seq[1] - 1});
            w.frame(ack.build());
        }
    }
    return info(ctx, linktype::ethernet, 7, c, std::move(description));
}

CaseInfo truncated_case(const CaseContext& ctx) {
    const SipCall c = make_call(ctx.name, {});
    const std::string path = ctx.path(ctx.file());
    const std::string last = render_sip(c, SipStep::ok_bye);
    {
        CaseWriter w(path, linktype::ethernet);
        write_udp_call(w, {}, c);
    }
    const std::size_t last_frame = udp_frame({}, c, false, last).size();
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size - last_frame / 2);  // cut inside the last record's data
    CaseInfo i = info(ctx, linktype::ethernet, 6, c, "file ends in the middle of the last record (200 OK to BYE)");
    i.cut = 1;
    return i;
}

using CaseFn = std::function<CaseInfo(const CaseContext&)>;

std::vector<std::pair<std::string, CaseFn>> all_cases() {
    using P = Path;
    auto udp = [](P p, std::string d) { return [p, d](const CaseContext& x) { return udp_case(x, p, d); }; };
    return {
        {"ipv4-fragmented-udp", [](const CaseContext& x) { return fragmented_case(x, false,
            "IPv4 UDP, INVITE with ~2.6 kB SDP in 3 IP fragments written last-first"); }},
        {"ipv6-fragmented-udp", [](const CaseContext& x) { return fragmented_case(x, true,
            "IPv6 UDP, INVITE with ~2.6 kB SDP in 3 fragments (fragment header) written last-first"); }},
        {"tcp-segmented", tcp_segmented_case},
        {"tcp-out-of-order-retransmit", tcp_reorder_case},
        {"tcp-midstream", tcp_midstream_case},
        {"tcp-gap", tcp_gap_case},
        {"vlan-single", udp(P{.link = Link::vlan}, "802.1Q VLAN 113, IPv4 UDP")},
        {"vlan-qinq", udp(P{.link = Link::qinq}, "802.1ad S-tag 2001 + 802.1Q C-tag 113, IPv4 UDP")},
        {"linux-sll", udp(P{.link = Link::sll}, "Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113)")},
        {"linux-sll2", udp(P{.link = Link::sll2}, "Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276)")},
        {"raw-ip", udp(P{.link = Link::raw}, "raw IPv4, LINKTYPE_RAW 101")},
        {"bsd-loopback", udp(P{.link = Link::null}, "BSD loopback DLT_NULL, family 2 little-endian")},
        {"gre", udp(P{.tunnel = Tunnel::gre}, "IPv4 GRE (key 0x5c) carrying IPv4 UDP SIP")},
        {"erspan-ii", udp(P{.tunnel = Tunnel::erspan2}, "ERSPAN type II (GRE 0x88BE) mirroring Ethernet/IPv4 UDP SIP")},
        {"erspan-iii", udp(P{.tunnel = Tunnel::erspan3}, "ERSPAN type III (GRE 0x22EB) mirroring Ethernet/IPv4 UDP SIP")},
        {"ipip-v4-in-v4", udp(P{.tunnel = Tunnel::ipip}, "IPv4-in-IPv4 (protocol 4), inner UDP SIP")},
        {"ipip-v6-in-v4", udp(P{.tunnel = Tunnel::ipv6_in_ipv4, .ipv6 = true}, "IPv6-in-IPv4 (protocol 41), inner IPv6 UDP SIP")},
        {"gtpu", udp(P{.tunnel = Tunnel::gtpu}, "GTP-U (UDP 2152, G-PDU) carrying IPv4 UDP SIP")},
        {"pppoe", [](const CaseContext& x) { return pppoe_case(x, P{.link = Link::pppoe},
            "PPPoE session 0x1a2b (ethertype 0x8864, PPP 0x0021) carrying IPv4 UDP SIP; PADI, PADO and an LCP echo before"); }},
        {"pppoe-vlan-ipv6", [](const CaseContext& x) { return pppoe_case(x, P{.link = Link::vlan_pppoe, .ipv6 = true},
            "802.1Q VLAN 113, PPPoE session 0x0042, PPP 0x0057 carrying IPv6 UDP SIP; PADI, PADO and an LCP echo before"); }},
        {"pptp", [](const CaseContext& x) { return pptp_case(x, false,
            "PPTP enhanced GRE v1 (key = length + call id, sequence and ack numbers, PPP FF 03 0021) carrying IPv4 UDP SIP; ack-only packets between"); }},
        {"pptp-compressed", [](const CaseContext& x) { return pptp_case(x, true,
            "PPTP enhanced GRE v1 with PPP address/control compressed and a 1-byte protocol field (0x21) carrying IPv4 UDP SIP"); }},
        {"udp-port-5080", [](const CaseContext& x) { return udp_port_case(x, 5080, "SIP on UDP 5080 both ways"); }},
        {"udp-port-40000", [](const CaseContext& x) { return udp_port_case(x, 40000, "SIP on UDP 40002 -> 40000"); }},
        {"pcapng-nanosecond", pcapng_nano_case},
        {"snaplen-cut", snaplen_case},
        {"garbage-5060", garbage_case},
        {"truncated-file", truncated_case},
    };
}

std::string join(const std::vector<std::string>& items, char sep) {
    std::string out;
    for (const auto& s : items) out.append(out.empty() ? "" : std::string(1, sep)).append(s);
    return out;
}

}  // namespace

std::string cases_tsv_header() {
    return "case\tfile\tlinktype\tmessages\tcut\tinvite_call_ids\tdescription\tsmpp_pdus\tsms";
}

std::string cases_tsv_row(const CaseInfo& i) {
    return i.name + "\t" + i.file + "\t" + std::to_string(i.linktype) + "\t" + std::to_string(i.messages) + "\t" +
           std::to_string(i.cut) + "\t" + join(i.invite_call_ids, ',') + "\t" + i.description + "\t" +
           std::to_string(i.smpp_pdus) + "\t" + std::to_string(i.sms);
}

std::vector<CaseInfo> write_cases(const std::string& outdir) {
    std::vector<CaseInfo> out;
    for (const auto& [name, fn] : all_cases()) out.push_back(fn(CaseContext{outdir, name}));
    for (CaseInfo& i : write_sctp_cases(outdir)) out.push_back(std::move(i));
    std::vector<ExpectedSms> expected;
    for (CaseInfo& i : write_sms_cases(outdir, expected)) out.push_back(std::move(i));
    for (CaseInfo& i : write_websocket_cases(outdir, expected)) out.push_back(std::move(i));
    std::ofstream sms(outdir + "/sms_expected.jsonl", std::ios::trunc);
    for (const ExpectedSms& e : expected) sms << expected_sms_json(e) << '\n';
    if (!sms) throw std::runtime_error("cannot write " + outdir + "/sms_expected.jsonl");
    std::ofstream tsv(outdir + "/cases.tsv", std::ios::trunc);
    tsv << cases_tsv_header() << '\n';
    for (const CaseInfo& i : out) tsv << cases_tsv_row(i) << '\n';
    if (!tsv) throw std::runtime_error("cannot write " + outdir + "/cases.tsv");
    return out;
}

}  // namespace scamgate::pcapgen
