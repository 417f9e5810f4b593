#include <doctest/doctest.h>

#include <string>

#include "sip/rewrite.h"
#include "sip_test_util.h"

using namespace scamgate::sip;
using scamgate::sip::test::crlf;

namespace {

std::string invite_with_from(std::string_view from) {
    return crlf("INVITE sip:+84903002002@192.0.2.2 SIP/2.0\n"
                "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-1\n"
                "Max-Forwards: 70\n"
                "From: " + std::string(from) + "\n"
                "To: <sip:+84903002002@192.0.2.2>\n"
                "Call-ID: tag-test-1\n"
                "CSeq: 1 INVITE\n"
                "Content-Type: application/sdp\n"
                "Content-Length: 10\n"
                "\n") + "v=0\r\ns=x\r\n";
}

Message parsed(const std::string& text) {
    Message m;
    REQUIRE(parse_message(text, Framing::datagram, m).status == ParseStatus::ok);
    return m;
}

}  // namespace

TEST_CASE("with_tag inserts the headers after the last one and keeps the body") {
    const std::string text = invite_with_from("\"Ngan hang\" <sip:+84912345678@203.0.113.2>;tag=abc");
    const Message m = parsed(text);
    auto out = with_tag(text, m, {{"X-Scam-Score", "75"}, {"X-Scam-Categories", "impersonation.bank,url"}}, "");
    REQUIRE(out);
    CHECK(out->size() == text.size() + std::string("X-Scam-Score: 75\r\nX-Scam-Categories: impersonation.bank,url\r\n").size());
    const Message t = parsed(*out);
    CHECK(t.method == "INVITE");
    CHECK(t.body == "v=0\r\ns=x\r\n");
    CHECK(t.headers.size() == m.headers.size() + 2);
    CHECK(t.headers[t.headers.size() - 2].name == "X-Scam-Score");
    CHECK(t.headers[t.headers.size() - 2].value == "75");
    CHECK(t.headers.back().value == "impersonation.bank,url");
    CHECK(t.first(HeaderId::content_length) == "10");
    CHECK(t.first(HeaderId::from) == "\"Ngan hang\" <sip:+84912345678@203.0.113.2>;tag=abc");
}

TEST_CASE("with_tag prefixes the caller's display name in every From form") {
    struct Case {
        const char* from;
        const char* want;
    };
    const Case cases[] = {
        {"\"Ngan hang\" <sip:+84912345678@h>;tag=abc", "\"[SCAM?] Ngan hang\" <sip:+84912345678@h>;tag=abc"},
        {"Police <sip:+84912345678@h>;tag=abc", "\"[SCAM?] Police\" <sip:+84912345678@h>;tag=abc"},
        {"<sip:+84912345678@h>;tag=abc", "\"[SCAM?]\" <sip:+84912345678@h>;tag=abc"},
        {"sip:+84912345678@h;tag=abc", "\"[SCAM?]\" <sip:+84912345678@h>;tag=abc"},
        {"\"Say \\\"hi\\\"\" <sip:a@h>;tag=q", "\"[SCAM?] Say \\\"hi\\\"\" <sip:a@h>;tag=q"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.from);
        const std::string text = invite_with_from(c.from);
        auto out = with_tag(text, parsed(text), {{"X-Scam-Score", "40"}}, "[SCAM?] ");
        REQUIRE(out);
        const Message t = parsed(*out);
        CHECK(t.first(HeaderId::from) == c.want);
        auto from = parse_name_addr(t.first(HeaderId::from));
        REQUIRE(from);
        CHECK(from->tag() == std::string_view(c.from).substr(std::string_view(c.from).rfind('=') + 1));
        CHECK(t.headers.back().name == "X-Scam-Score");
        CHECK(t.body == "v=0\r\ns=x\r\n");
    }
}

TEST_CASE("with_tag refuses what it cannot change safely") {
    const std::string no_end = "INVITE sip:a@h SIP/2.0\r\nFrom: <sip:b@h>\r\n";
    Message m;
    (void)parse_message(no_end, Framing::datagram, m);
    CHECK_FALSE(with_tag(no_end, m, {{"X-A", "1"}}, ""));
    const std::string text = invite_with_from("<sip:+84912345678@h>;tag=abc");
    Message other = parsed(invite_with_from("<sip:x@h>;tag=1"));  // views into another buffer
    CHECK_FALSE(with_tag(text, other, {}, "[SCAM?] "));
}

TEST_CASE("max_forwards_digits finds the value to zero (same length)") {
    std::string text = invite_with_from("<sip:a@h>;tag=1");
    const Message m = parsed(text);
    auto digits = max_forwards_digits(text, m);
    REQUIRE(digits);
    CHECK(text.substr(digits->first, digits->second) == "70");
    const std::size_t size = text.size();
    text.replace(digits->first, digits->second, digits->second, '0');
    CHECK(text.size() == size);
    CHECK(parsed(text).first(HeaderId::max_forwards) == "00");
    const std::string without = crlf("OPTIONS sip:a@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK-2\nFrom: <sip:b@h>;tag=1\nTo: <sip:a@h>\nCall-ID: x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
    CHECK_FALSE(max_forwards_digits(without, parsed(without)));
}
