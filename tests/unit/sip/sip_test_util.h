#pragma once
#include <algorithm>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace scamgate::sip::test {

// Test messages are typed with LF line ends; SIP puts CRLF on the wire.
inline std::string crlf(std::string_view lf_text) {
    std::string out;
    out.reserve(lf_text.size() + lf_text.size() / 16);
    for (char c : lf_text) {
        if (c == '\n') out.push_back('\r');
        out.push_back(c);
    }
    return out;
}

inline bool has_warning(const ParseResult& r, SipAnomaly a) {
    return std::find(r.warnings.begin(), r.warnings.end(), a) != r.warnings.end();
}

// The SDP body used by several RFC 4475 messages (150 bytes with CRLF).
inline std::string torture_sdp(std::string_view address = "192.0.2.4") {
    std::string sdp = "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.3\ns=-\nc=IN IP4 ";
    sdp += address;
    sdp += "\nt=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n";
    return crlf(sdp);
}

// RFC 3261 section 24.2 F1 (INVITE Alice -> atlanta.com proxy), with a real SDP body.
inline std::string alice_invite() {
    const std::string body = crlf(
        "v=0\n"
        "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\n"
        "s=-\n"
        "c=IN IP4 192.0.2.101\n"
        "t=0 0\n"
        "m=audio 49172 RTP/AVP 0\n"
        "a=rtpmap:0 PCMU/8000\n");
    return crlf(
               "INVITE sip:bob@biloxi.com SIP/2.0\n"
               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\n"
               "Max-Forwards: 70\n"
               "To: Bob <sip:bob@biloxi.com>\n"
               "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
               "Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
               "CSeq: 314159 INVITE\n"
               "Contact: <sip:alice@pc33.atlanta.com>\n"
               "Content-Type: application/sdp\n"
               "Content-Length: ") +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::string bob_ringing() {
    return crlf(
        "SIP/2.0 180 Ringing\n"
        "Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\n"
        "Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\n"
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1\n"
        "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n"
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
        "Contact: <sip:bob@192.0.2.4>\n"
        "CSeq: 314159 INVITE\n"
        "Content-Length: 0\n"
        "\n");
}

inline std::string bob_bye() {
    return crlf(
        "BYE sip:alice@pc33.atlanta.com SIP/2.0\n"
        "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n"
        "Max-Forwards: 70\n"
        "From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n"
        "To: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
        "CSeq: 231 BYE\n"
        "Content-Length: 0\n"
        "\n");
}

}  // namespace scamgate::sip::test
