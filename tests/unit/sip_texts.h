#pragma once
// Realistic SIP message texts for tests, in the shape RFC 3261 section 24 and SIPp produce.
#include <string>

#include <fmt/format.h>

namespace scamgate::testing {

struct CallParties {
    std::string call_id = "a84b4c76e66710@pc33.example.net";
    std::string from_user = "+84912345678";
    std::string to_user = "+84241234567";
    std::string from_tag = "1928301774";
    std::string to_tag = "a6c85cf";
    std::string extra_headers;  // each line ending with \r\n
};

inline std::string sdp_body() {
    return "v=0\r\no=- 2890844526 2890844526 IN IP4 203.0.113.10\r\ns=-\r\nc=IN IP4 203.0.113.10\r\n"
           "t=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n";
}

inline std::string request(const CallParties& p, const std::string& method, int cseq, bool with_to_tag,
                           const std::string& body = {}, const std::string& content_type = "application/sdp") {
    std::string to_tag = with_to_tag ? ";tag=" + p.to_tag : "";
    std::string text = fmt::format(
        "{} sip:{}@198.51.100.1;user=phone SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK776asdhds{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: \"Caller\" <sip:{}@203.0.113.10;user=phone>;tag={}\r\n"
        "To: <sip:{}@198.51.100.1;user=phone>{}\r\n"
        "Call-ID: {}\r\n"
        "CSeq: {} {}\r\n"
        "Contact: <sip:{}@203.0.113.10:5060>\r\n"
        "User-Agent: TestUA/1.0\r\n"
        "{}",
        method, p.to_user, cseq, p.from_user, p.from_tag, p.to_user, to_tag, p.call_id, cseq,
        method == "ACK" || method == "CANCEL" ? method : method, p.from_user, p.extra_headers);
    if (!body.empty()) text += fmt::format("Content-Type: {}\r\n", content_type);
    text += fmt::format("Content-Length: {}\r\n\r\n{}", body.size(), body);
    return text;
}

inline std::string response(const CallParties& p, int status, const std::string& reason, int cseq,
                            const std::string& method, bool with_to_tag = true) {
    std::string to_tag = with_to_tag ? ";tag=" + p.to_tag : "";
    return fmt::format(
        "SIP/2.0 {} {}\r\n"
        "Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK776asdhds{}\r\n"
        "From: \"Caller\" <sip:{}@203.0.113.10;user=phone>;tag={}\r\n"
        "To: <sip:{}@198.51.100.1;user=phone>{}\r\n"
        "Call-ID: {}\r\n"
        "CSeq: {} {}\r\n"
        "Server: TestGW/2.0\r\n"
        "Content-Length: 0\r\n\r\n",
        status, reason, cseq, p.from_user, p.from_tag, p.to_user, to_tag, p.call_id, cseq, method);
}

}  // namespace scamgate::testing
