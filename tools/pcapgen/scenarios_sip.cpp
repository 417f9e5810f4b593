// SIP message texts for generated calls. Plain string appends: the benchmark renders millions.
#include <string>

#include "pcapgen/scenarios.h"

namespace scamgate::pcapgen {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool is_v6(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

// Host part for URIs and Via: IPv6 literals in brackets.
std::string host(std::string_view ip) {
    return is_v6(ip) ? "[" + std::string(ip) + "]" : std::string(ip);
}

std::string_view transport(const SipCall& c) {
    if (!c.transport.empty()) return c.transport;
    return c.sctp ? "SCTP" : c.tcp ? "TCP" : "UDP";
}

// The Contact URI's ;transport= value (short: no allocation).
std::string contact_transport(const SipCall& c) {
    std::string out(transport(c));
    for (char& ch : out) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    return out;
}

// A short token derived from the Call-ID, for tags and branches.
std::string token(const SipCall& c) {
    std::uint32_t h = 2166136261u;
    for (char ch : c.call_id) h = (h ^ static_cast<std::uint8_t>(ch)) * 16777619u;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(8, '0');
    for (int i = 7; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xF];
    return out;
}

void header(std::string& m, std::string_view name, std::string_view value) {
    m.append(name).append(": ").append(value).append(kCrlf);
}

std::string caller_uri(const SipCall& c) { return "sip:" + c.caller + "@" + host(c.caller_ip) + ";user=phone"; }
std::string callee_uri(const SipCall& c) { return "sip:" + c.callee + "@" + host(c.gateway_ip) + ";user=phone"; }
std::string request_uri(const SipCall& c) {
    return "sip:" + c.callee + "@" + host(c.gateway_ip) + ":" + std::to_string(c.gateway_port) + ";user=phone";
}
std::string contact_uri(const SipCall& c, bool caller) {
    const std::string& ip = caller ? c.caller_ip : c.gateway_ip;
    const std::uint16_t port = caller ? c.caller_port : c.gateway_port;
    const std::string user = caller ? c.caller : std::string("gw");
    return "sip:" + user + "@" + host(ip) + ":" + std::to_string(port) + ";transport=" + contact_transport(c);
}

std::string via(const SipCall& c, std::string_view branch_suffix) {
    return "SIP/2.0/" + std::string(transport(c)) + " " + host(c.caller_ip) + ":" +
           std::to_string(c.caller_port) + ";branch=z9hG4bK" + token(c) + std::string(branch_suffix) + ";rport";
}

std::string from(const SipCall& c) { return "<" + caller_uri(c) + ">;tag=c" + token(c); }
std::string to(const SipCall& c, bool with_tag) {
    return "<" + callee_uri(c) + ">" + (with_tag ? ";tag=g" + token(c) : "");
}

std::string sdp(const SipCall& c, bool caller) {
    const std::string& ip = caller ? c.caller_ip : c.gateway_ip;
    const std::string ipv = is_v6(ip) ? "IP6 " : "IP4 ";
    const std::uint16_t port = caller ? c.media_port : static_cast<std::uint16_t>(c.media_port + 20000);
    std::string s;
    s.reserve(caller ? c.sdp_min_bytes + 512 : 400);
    s.append("v=0\r\no=").append(caller ? "- " : "gw ").append(token(c).substr(0, 6)).append(" 1 IN ")
        .append(ipv).append(ip).append("\r\ns=-\r\nc=IN ").append(ipv).append(ip).append("\r\nt=0 0\r\n");
    s.append("m=audio ").append(std::to_string(port));
    s.append(caller ? " RTP/AVP 8 0 18 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
                      "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
                    : " RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n");
    s.append("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n");
    for (int i = 1; caller && s.size() < c.sdp_min_bytes; ++i) {
        s.append("a=candidate:").append(std::to_string(i)).append(" 1 UDP ")
            .append(std::to_string(2130706431 - i)).append(" ").append(ip).append(" ")
            .append(std::to_string(c.media_port + 2 * i)).append(" typ host\r\n");
    }
    return s;
}

void finish(std::string& m, std::string_view content_type, const std::string& body) {
    if (!content_type.empty()) header(m, "Content-Type", content_type);
    header(m, "Content-Length", std::to_string(body.size()));
    m.append(kCrlf).append(body);
}

struct RequestLine {
    std::string_view method;
    std::string uri;
    std::string_view branch;
    int cseq;
    std::string_view cseq_method;
    bool to_tag;
};

std::string request(const SipCall& c, const RequestLine& r) {
    std::string m;
    m.reserve(1024 + c.sdp_min_bytes);
    m.append(r.method).append(" ").append(r.uri).append(" SIP/2.0\r\n");
    header(m, "Via", via(c, r.branch));
    header(m, "Max-Forwards", "70");
    header(m, "From", from(c));
    header(m, "To", to(c, r.to_tag));
    header(m, "Call-ID", c.call_id);
    header(m, "CSeq", std::to_string(r.cseq) + " " + std::string(r.cseq_method));
    const bool invite = r.method == "INVITE";
    if (invite || r.method == "ACK") header(m, "Contact", "<" + contact_uri(c, true) + ">");
    if (invite) {
        header(m, "P-Asserted-Identity", "<" + caller_uri(c) + ">");
        header(m, "Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE");
        header(m, "Supported", "timer, replaces");
        header(m, "Session-Expires", "1800;refresher=uac");
    }
    header(m, "User-Agent", c.user_agent);
    finish(m, invite ? "application/sdp" : "", invite ? sdp(c, true) : std::string());
    return m;
}

struct StatusLine {
    std::string_view code_reason;
    int cseq;
    std::string_view cseq_method;
    std::string_view branch;
    bool to_tag;
    bool with_sdp;
};

std::string response(const SipCall& c, const StatusLine& s) {
    std::string m;
    m.reserve(900);
    m.append("SIP/2.0 ").append(s.code_reason).append(kCrlf);
    header(m, "Via", via(c, s.branch));
    header(m, "From", from(c));
    header(m, "To", to(c, s.to_tag));
    header(m, "Call-ID", c.call_id);
    header(m, "CSeq", std::to_string(s.cseq) + " " + std::string(s.cseq_method));
    if (s.to_tag && s.cseq_method == "INVITE") header(m, "Contact", "<" + contact_uri(c, false) + ">");
    header(m, "Server", "scamgate-gw-sim/1.0");
    finish(m, s.with_sdp ? "application/sdp" : "", s.with_sdp ? sdp(c, false) : std::string());
    return m;
}

std::string render_request(const SipCall& c, SipStep step) {
    switch (step) {
        case SipStep::invite: return request(c, {"INVITE", request_uri(c), "-1", 1, "INVITE", false});
        case SipStep::ack: return request(c, {"ACK", contact_uri(c, false), "-3", 1, "ACK", true});
        case SipStep::bye: return request(c, {"BYE", contact_uri(c, false), "-4", 2, "BYE", true});
        case SipStep::cancel: return request(c, {"CANCEL", request_uri(c), "-1", 1, "CANCEL", false});
        default: return request(c, {"ACK", request_uri(c), "-1", 1, "ACK", true});  // ack_failure
    }
}

std::string render_response(const SipCall& c, SipStep step) {
    switch (step) {
        case SipStep::trying: return response(c, {"100 Trying", 1, "INVITE", "-1", false, false});
        case SipStep::ringing: return response(c, {"180 Ringing", 1, "INVITE", "-1", true, false});
        case SipStep::ok_invite: return response(c, {"200 OK", 1, "INVITE", "-1", true, true});
        case SipStep::ok_bye: return response(c, {"200 OK", 2, "BYE", "-4", true, false});
        case SipStep::ok_cancel: return response(c, {"200 OK", 1, "CANCEL", "-1", true, false});
        case SipStep::terminated: return response(c, {"487 Request Terminated", 1, "INVITE", "-1", true, false});
        case SipStep::busy: return response(c, {"486 Busy Here", 1, "INVITE", "-1", true, false});
        default: return response(c, {"404 Not Found", 1, "INVITE", "-1", true, false});  // not_found
    }
}

}  // namespace

const std::vector<SipStep>& call_steps(CallOutcome outcome) {
    using S = SipStep;
    static const std::vector<SipStep> answered{S::invite, S::trying, S::ringing, S::ok_invite,
                                               S::ack, S::bye, S::ok_bye};
    static const std::vector<SipStep> cancelled{S::invite, S::trying, S::ringing, S::cancel,
                                                S::ok_cancel, S::terminated, S::ack_failure};
    static const std::vector<SipStep> busy{S::invite, S::trying, S::busy, S::ack_failure};
    static const std::vector<SipStep> not_found{S::invite, S::trying, S::not_found, S::ack_failure};
    switch (outcome) {
        case CallOutcome::cancelled: return cancelled;
        case CallOutcome::busy: return busy;
        case CallOutcome::not_found: return not_found;
        default: return answered;
    }
}

bool sent_by_caller(SipStep step) {
    return step == SipStep::invite || step == SipStep::ack || step == SipStep::bye ||
           step == SipStep::cancel || step == SipStep::ack_failure;
}

std::string render_sip(const SipCall& call, SipStep step) {
    return sent_by_caller(step) ? render_request(call, step) : render_response(call, step);
}

}  // namespace scamgate::pcapgen
