// What Kamailio 5.6 routes, scamgate must parse: each malformed-but-plausible form a next hop
// accepts, with the values the record is built from (From, Request-URI, Call-ID) and the anomaly
// that counts it.
#include <doctest/doctest.h>

#include <string>

#include "sip/message.h"
#include "sip_test_util.h"

using namespace scamgate::sip;
using scamgate::sip::test::crlf;
using scamgate::sip::test::has_warning;

namespace {

// An INVITE over UDP with the given Content-Length header line ("" for none) and body.
std::string invite_with(std::string_view content_length_line, std::string_view body) {
    std::string text = crlf(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-cl\n"
        "Max-Forwards: 70\n"
        "From: <sip:+84912345678@203.0.113.2>;tag=c1\n"
        "To: <sip:+84903002002@192.0.2.2>\n"
        "Call-ID: lenient-1\n"
        "CSeq: 1 INVITE\n"
        "Content-Type: application/sdp\n");
    if (!content_length_line.empty()) text += std::string(content_length_line) + "\r\n";
    return text + "\r\n" + std::string(body);
}

void check_invite_fields(const Message& m) {
    CHECK(m.is_request);
    CHECK(m.method == "INVITE");
    CHECK(m.request_uri == "sip:+84903002002@192.0.2.2");
    CHECK(m.first(HeaderId::from) == "<sip:+84912345678@203.0.113.2>;tag=c1");
    CHECK(m.first(HeaderId::call_id) == "lenient-1");
}

}  // namespace

TEST_CASE("UDP: every bad Content-Length still gives the message, its body the rest of the datagram") {
    const std::string body = "v=0\r\nm=audio 4000 RTP/AVP 0\r\n";
    for (std::string_view line : {"Content-Length: abc", "Content-Length: -1", "Content-Length: -999",
                                  "Content-Length: 12x", "Content-Length: 99999999999999999999",
                                  "Content-Length: 1e3", "Content-Length:", "l: +12"}) {
        CAPTURE(line);
        Message m;
        const std::string text = invite_with(line, body);
        const auto r = parse_message(text, Framing::datagram, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(r.warnings == std::vector{SipAnomaly::bad_content_length});
        check_invite_fields(m);
        CHECK(m.body == body);
        // On TCP the same message cannot be framed: the stream resynchronises (Kamailio closes it).
        CHECK(parse_message(text, Framing::stream, m).anomaly == SipAnomaly::bad_content_length);
    }
}

TEST_CASE("UDP: Content-Length missing, larger, smaller or repeated") {
    const std::string body = "0123456789";
    Message m;
    const std::string missing = invite_with("", body);
    auto r = parse_message(missing, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(m.body == body);

    const std::string larger = invite_with("Content-Length: 11", body);
    r = parse_message(larger, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings == std::vector{SipAnomaly::body_length_mismatch});
    CHECK(m.body == body);

    const std::string smaller = invite_with("Content-Length: 4", body);
    r = parse_message(smaller, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());  // RFC 3261 18.3: octets past Content-Length are discarded
    CHECK(m.body == "0123");

    const std::string same_twice = invite_with("Content-Length: 10\r\nContent-Length: 10", body);
    r = parse_message(same_twice, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());

    const std::string differing = invite_with("Content-Length: 10\r\nl: 3", body);
    r = parse_message(differing, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings == std::vector{SipAnomaly::bad_content_length});
    CHECK(m.body == body);
    check_invite_fields(m);
}

TEST_CASE("a datagram past max_message_size is parsed as far as the limit") {
    ParserLimits limits;
    limits.max_message_size = 600;
    const std::string text = invite_with("Content-Length: 2000", std::string(2000, 's'));
    Message m;
    const auto r = parse_message(text, Framing::datagram, m, limits);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings == std::vector{SipAnomaly::body_too_large});
    CHECK(r.consumed == text.size());
    CHECK(m.body.size() == 600 - (text.size() - 2000));
    check_invite_fields(m);
}

TEST_CASE("LF-only and mixed line ends") {
    const std::string lf_only =
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-lf\n"
        "From: <sip:+84912345678@203.0.113.2>;tag=c1\n"
        "To: <sip:+84903002002@192.0.2.2>\r\n"
        "Call-ID: lenient-1\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Length: 4\n"
        "\n"
        "body";
    for (auto framing : {Framing::datagram, Framing::stream}) {
        Message m;
        const auto r = parse_message(lf_only, framing, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(r.warnings.empty());
        check_invite_fields(m);
        CHECK(m.first(HeaderId::to) == "<sip:+84903002002@192.0.2.2>");
        CHECK(m.body == "body");
        CHECK(r.consumed == lf_only.size());
    }
}

TEST_CASE("compact forms, odd case in names, white space around the colon") {
    const auto text = crlf(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\n"
        "v : SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-c\n"
        "f\t:\t<sip:+84912345678@203.0.113.2>;tag=c1\n"
        "T:<sip:+84903002002@192.0.2.2>\n"
        "cAlL-iD   :   lenient-1\n"
        "CSEQ: 1 INVITE\n"
        "MAX-FORWARDS:70\n"
        "C: application/sdp\n"
        "L: 0\n"
        "\n");
    Message m;
    const auto r = parse_message(text, Framing::stream, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    check_invite_fields(m);
    CHECK(m.first(HeaderId::max_forwards) == "70");
    CHECK(m.first(HeaderId::content_type) == "application/sdp");
    CHECK(m.headers[2].name == "T");
    CHECK(m.headers[2].id == HeaderId::to);
}

TEST_CASE("folded header lines (obs-fold), including the From and Call-ID") {
    const auto text = crlf(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060\n"
        "  ;branch=z9hG4bK-fold\n"
        "From:\n"
        " <sip:+84912345678@203.0.113.2>\n"
        "\t;tag=c1\n"
        "To: <sip:+84903002002@192.0.2.2>\n"
        "Call-ID:\n"
        "   lenient-1\n"
        "CSeq: 1\n"
        " INVITE\n"
        "Content-Length: 0\n"
        "\n");
    Message m;
    const auto r = parse_message(text, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(unfold(m.first(HeaderId::from)) == "<sip:+84912345678@203.0.113.2> ;tag=c1");
    CHECK(parse_name_addr(m.first(HeaderId::from))->uri->user == "+84912345678");
    CHECK(parse_name_addr(m.first(HeaderId::from))->tag() == "c1");
    CHECK(unfold(m.first(HeaderId::call_id)) == "lenient-1");
    CHECK(parse_via(unfold(m.first(HeaderId::via)))->param("branch") == "z9hG4bK-fold");
}

TEST_CASE("duplicate headers: the first one counts, as in Kamailio") {
    const auto text = crlf(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-dup\n"
        "From: <sip:+84912345678@203.0.113.2>;tag=c1\n"
        "From: <sip:+442079460000@203.0.113.2>;tag=c2\n"
        "To: <sip:+84903002002@192.0.2.2>\n"
        "To: <sip:other@192.0.2.2>\n"
        "Call-ID: lenient-1\n"
        "Call-ID: second\n"
        "CSeq: 1 INVITE\n"
        "Max-Forwards: 70\n"
        "Max-Forwards: 69\n"
        "\n");
    Message m;
    const auto r = parse_message(text, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    check_invite_fields(m);
    CHECK(m.count(HeaderId::from) == 2);
    CHECK(m.values(HeaderId::call_id) == std::vector<std::string_view>{"lenient-1", "second"});
    CHECK(m.first(HeaderId::max_forwards) == "70");
}

TEST_CASE("a very long header line is kept within the message limit, past it the bound holds") {
    const std::string filler(60000, 'a');
    const std::string text = "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\nX-Long: " + filler +
                             "\r\nFrom: <sip:+84912345678@203.0.113.2>;tag=c1\r\nCall-ID: lenient-1\r\n"
                             "Content-Length: 0\r\n\r\n";
    Message m;
    auto r = parse_message(text, Framing::stream, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(m.headers[0].value.size() == filler.size());
    CHECK(m.first(HeaderId::call_id) == "lenient-1");
    ParserLimits small;
    small.max_message_size = 4096;
    r = parse_message(text, Framing::stream, m, small);
    CHECK(r.status == ParseStatus::error);
    CHECK(r.anomaly == SipAnomaly::message_too_large);
}

TEST_CASE("several SP or HTAB between the parts of a request line") {
    for (std::string_view line : {"INVITE  sip:+84903002002@192.0.2.2   SIP/2.0", "INVITE\tsip:+84903002002@192.0.2.2\tSIP/2.0",
                                  "INVITE sip:+84903002002@192.0.2.2 \t SIP/2.0 "}) {
        CAPTURE(line);
        const std::string text = std::string(line) +
                                 "\r\nFrom: <sip:+84912345678@203.0.113.2>;tag=c1\r\nCall-ID: lenient-1\r\n"
                                 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        CHECK(starts_with_start_line(text));
        Message m;
        const auto r = parse_message(text, Framing::datagram, m);
        REQUIRE(r.status == ParseStatus::ok);
        check_invite_fields(m);
    }
}

TEST_CASE("an RFC method in another case is taken as that method, with a warning") {
    const std::string text =
        "invite sip:+84903002002@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "From: <sip:+84912345678@203.0.113.2>;tag=c1\r\nTo: <sip:+84903002002@192.0.2.2>\r\nCall-ID: lenient-1\r\n"
        "CSeq: 1 Invite\r\nContent-Length: 0\r\n\r\n";
    Message m;
    const auto r = parse_message(text, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings == std::vector{SipAnomaly::method_case});
    check_invite_fields(m);
    CHECK(parse_cseq(m.first(HeaderId::cseq))->method == "INVITE");
    // An extension method keeps its case.
    REQUIRE(parse_message("Foo sip:a@b SIP/2.0\r\nCSeq: 1 Foo\r\n\r\n", Framing::datagram, m).status ==
            ParseStatus::ok);
    CHECK(m.method == "Foo");
}

TEST_CASE("filler headers past max_headers cannot hide the ones the record needs") {
    std::string text = "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\n";
    for (int i = 0; i < 1000; ++i) text += "X-Filler-" + std::to_string(i) + ": x\r\n";
    text += "From: <sip:+84912345678@203.0.113.2>;tag=c1\r\nFrom: <sip:second@h>\r\nCall-ID: lenient-1\r\n"
            "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:+84903002002@192.0.2.2>\r\nCSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n";
    Message m;
    const auto r = parse_message(text, Framing::stream, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings == std::vector{SipAnomaly::too_many_headers});
    check_invite_fields(m);
    CHECK(m.count(HeaderId::from) == 1);
    CHECK(m.headers.size() == ParserLimits{}.max_headers + 6);
    CHECK(r.consumed == text.size());
}

TEST_CASE("TCP: Content-Length repeated with another value frames by the first, as Kamailio does") {
    const std::string body = "v=0\r\n";
    Message m;
    // The first is a plain number: framed by it, the next message's bytes are not taken.
    const std::string text = invite_with("Content-Length: 5\r\nContent-Length: 40", body) + "OPTIONS sip:x SIP/2.0\r\n";
    const auto r = parse_message(text, Framing::stream, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings == std::vector{SipAnomaly::bad_content_length});
    check_invite_fields(m);
    CHECK(m.body == body);
    CHECK(r.consumed == text.find("OPTIONS"));
    // The first is not a number: the message cannot be framed (Kamailio refuses it too).
    const std::string bad = invite_with("Content-Length: x5\r\nContent-Length: 5", body);
    const auto refused = parse_message(bad, Framing::stream, m);
    CHECK(refused.status == ParseStatus::error);
    CHECK(refused.anomaly == SipAnomaly::bad_content_length);
}
