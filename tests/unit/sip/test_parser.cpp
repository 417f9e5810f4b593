#include <doctest/doctest.h>

#include "sip/message.h"
#include "sip_test_util.h"

using namespace scamgate::sip;
using scamgate::sip::test::crlf;
using scamgate::sip::test::has_warning;
using namespace std::literals;

TEST_CASE("RFC 3261 INVITE F1 parses with all fields") {
    const auto text = test::alice_invite();
    Message m;
    const auto r = parse_message(text, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(r.consumed == text.size());
    CHECK(m.is_request);
    CHECK(m.method == "INVITE");
    CHECK(m.request_uri == "sip:bob@biloxi.com");
    CHECK(m.headers.size() == 9);
    CHECK(m.first(HeaderId::call_id) == "a84b4c76e66710@pc33.atlanta.com");
    CHECK(m.first(HeaderId::max_forwards) == "70");
    CHECK(m.first(HeaderId::content_type) == "application/sdp");
    CHECK(m.body.starts_with("v=0\r\n"));
    CHECK(m.body.ends_with("a=rtpmap:0 PCMU/8000\r\n"));
    const auto from = parse_name_addr(m.first(HeaderId::from));
    REQUIRE(from);
    CHECK(from->display == "Alice");
    CHECK(from->tag() == "1928301774");
    REQUIRE(from->uri);
    CHECK(from->uri->user == "alice");
    CHECK(from->uri->host == "atlanta.com");
    const auto cseq = parse_cseq(m.first(HeaderId::cseq));
    REQUIRE(cseq);
    CHECK(cseq->number == 314159);
    CHECK(cseq->method == "INVITE");
    const auto sdp = parse_sdp(m.body);
    REQUIRE(sdp);
    CHECK(sdp->session_connection == "192.0.2.101");
    REQUIRE(sdp->media.size() == 1);
    CHECK(sdp->media[0].port == 49172);
}

TEST_CASE("RFC 3261 180 Ringing keeps three Via headers in order") {
    const auto text = test::bob_ringing();
    Message m;
    const auto r = parse_message(text, Framing::stream, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(r.consumed == text.size());
    CHECK_FALSE(m.is_request);
    CHECK(m.status_code == 180);
    CHECK(m.reason_phrase == "Ringing");
    const auto vias = m.values(HeaderId::via);
    REQUIRE(vias.size() == 3);
    const auto top = parse_via(vias[0]);
    REQUIRE(top);
    CHECK(top->host == "server10.biloxi.com");
    CHECK(top->param("received") == "192.0.2.3");
    CHECK(parse_via(vias[2])->param("branch") == "z9hG4bK776asdhds");
    CHECK(parse_name_addr(m.first(HeaderId::to))->tag() == "a6c85cf");
}

TEST_CASE("RFC 3261 200 OK, ACK and BYE") {
    Message m;
    const auto ok = crlf(
        "SIP/2.0 200 OK\n"
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1\n"
        "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n"
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
        "CSeq: 314159 INVITE\n"
        "Contact: <sip:bob@192.0.2.4>\n"
        "Content-Length: 0\n\n");
    auto r = parse_message(ok, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(m.status_code == 200);
    CHECK(m.reason_phrase == "OK");
    CHECK(parse_name_addr(m.first(HeaderId::contact))->uri->host == "192.0.2.4");

    const auto ack = crlf(
        "ACK sip:bob@192.0.2.4 SIP/2.0\n"
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds9\n"
        "Max-Forwards: 70\n"
        "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n"
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
        "CSeq: 314159 ACK\n"
        "Content-Length: 0\n\n");
    r = parse_message(ack, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(m.method == "ACK");
    CHECK(m.request_uri == "sip:bob@192.0.2.4");

    const auto bye = test::bob_bye();
    r = parse_message(bye, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(m.method == "BYE");
    CHECK(parse_cseq(m.first(HeaderId::cseq))->number == 231);
}

TEST_CASE("RFC 3261 REGISTER with LF-only line ends") {
    const std::string text =
        "REGISTER sip:registrar.biloxi.com SIP/2.0\n"
        "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\n"
        "Max-Forwards: 70\n"
        "To: Bob <sip:bob@biloxi.com>\n"
        "From: Bob <sip:bob@biloxi.com>;tag=456248\n"
        "Call-ID: 843817637684230@998sdasdh09\n"
        "CSeq: 1826 REGISTER\n"
        "Contact: <sip:bob@192.0.2.4>\n"
        "Expires: 7200\n"
        "Content-Length: 0\n"
        "\n";
    Message m;
    const auto r = parse_message(text, Framing::stream, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(r.consumed == text.size());
    CHECK(m.method == "REGISTER");
    CHECK(m.first(HeaderId::expires) == "7200");
    const auto via = parse_via(m.first(HeaderId::via));
    REQUIRE(via);
    CHECK(via->protocol == "SIP/2.0/UDP");
    CHECK(via->transport == "UDP");
    CHECK(via->host == "bobspc.biloxi.com");
    CHECK(via->port == 5060);
}

TEST_CASE("compact-form INVITE with escaped quotes in the From display name") {
    const auto text = crlf(
        "INVITE sip:+15551234567@gw.example.net;user=phone SIP/2.0\n"
        "v:SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport\n"
        "f: \"\\\"arik\\\"\" <sip:arik@example.com>;tag=abc\n"
        "t: <sip:+15551234567@gw.example.net;user=phone>\n"
        "i: compact-1@10.0.0.1\n"
        "CSeq: 1 INVITE\n"
        "m: <sip:arik@10.0.0.1>\n"
        "c: text/plain\n"
        "l: 5\n"
        "\n"
        "hello");
    Message m;
    const auto r = parse_message(text, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.warnings.empty());
    CHECK(m.body == "hello");
    CHECK(m.first(HeaderId::content_length) == "5");
    CHECK(m.first(HeaderId::call_id) == "compact-1@10.0.0.1");
    const auto from = parse_name_addr(m.first(HeaderId::from));
    REQUIRE(from);
    CHECK(from->display == "\\\"arik\\\"");
    CHECK(from->tag() == "abc");
    CHECK(from->uri->user == "arik");
    const auto to = parse_name_addr(m.first(HeaderId::to));
    REQUIRE(to);
    CHECK(to->uri->user == "+15551234567");
    CHECK(to->uri->user_is_phone());
    CHECK(to->tag().empty());
    const auto via = parse_via(m.first(HeaderId::via));
    REQUIRE(via);
    CHECK(via->port == 5060);
    CHECK(via->param("rport") == "");
}

TEST_CASE("two To headers are both kept") {
    const auto text = crlf(
        "OPTIONS sip:a@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
        "To: <sip:first@example.com>\n"
        "To: <sip:second@example.com>\n"
        "From: <sip:x@example.com>;tag=1\n"
        "Call-ID: two-to\n"
        "CSeq: 1 OPTIONS\n\n");
    Message m;
    REQUIRE(parse_message(text, Framing::datagram, m).status == ParseStatus::ok);
    CHECK(m.count(HeaderId::to) == 2);
    const auto tos = m.values(HeaderId::to);
    REQUIRE(tos.size() == 2);
    CHECK(tos[0] == "<sip:first@example.com>");
    CHECK(tos[1] == "<sip:second@example.com>");
}

TEST_CASE("P-Asserted-Identity with and without a space before <") {
    const auto text = crlf(
        "INVITE sip:bob@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
        "To: <sip:bob@example.com>\n"
        "From: <sip:alice@example.com>;tag=1\n"
        "Call-ID: pai\n"
        "CSeq: 1 INVITE\n"
        "P-Asserted-Identity: \"Alice Smith\"<sip:+15550001111@example.com;user=phone>\n"
        "P-Asserted-Identity: \"Alice Smith\" <tel:+15550001111>, <sip:alice@example.com>\n\n");
    Message m;
    REQUIRE(parse_message(text, Framing::datagram, m).status == ParseStatus::ok);
    const auto ids = m.values(HeaderId::p_asserted_identity);
    REQUIRE(ids.size() == 3);
    const auto first = parse_name_addr(ids[0]);
    REQUIRE(first);
    CHECK(first->display == "Alice Smith");
    CHECK(first->uri->user == "+15550001111");
    CHECK(first->uri->user_is_phone());
    const auto second = parse_name_addr(ids[1]);
    REQUIRE(second);
    CHECK(second->display == "Alice Smith");
    CHECK(second->uri->scheme == "tel");
    CHECK(second->uri->user == "+15550001111");
    CHECK(parse_name_addr(ids[2])->uri->user == "alice");
}

TEST_CASE("MESSAGE with a body in both framings") {
    const auto text = crlf(
        "MESSAGE sip:user2@domain.com SIP/2.0\n"
        "Via: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse\n"
        "Max-Forwards: 70\n"
        "From: sip:user1@domain.com;tag=49583\n"
        "To: sip:user2@domain.com\n"
        "Call-ID: asd88asd77a@1.2.3.4\n"
        "CSeq: 1 MESSAGE\n"
        "Content-Type: text/plain\n"
        "Content-Length: 18\n"
        "\n"
        "Watson, come here.");
    Message m;
    for (auto framing : {Framing::datagram, Framing::stream}) {
        const auto r = parse_message(text, framing, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(r.warnings.empty());
        CHECK(r.consumed == text.size());
        CHECK(m.body == "Watson, come here.");
        CHECK(parse_name_addr(m.first(HeaderId::from))->tag() == "49583");
    }
}

TEST_CASE("401 and 407 challenges are not comma-split") {
    const auto text = crlf(
        "SIP/2.0 401 Unauthorized\n"
        "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7;received=192.0.2.201\n"
        "From: Bob <sip:bob@biloxi.com>;tag=a73kszlfl\n"
        "To: Bob <sip:bob@biloxi.com>;tag=1410948204\n"
        "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n"
        "CSeq: 1 REGISTER\n"
        "WWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth,auth-int\",\n"
        " nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", stale=FALSE, algorithm=MD5\n"
        "Proxy-Authenticate: Digest realm=\"biloxi.com\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\"\n"
        "Content-Length: 0\n\n");
    Message m;
    const auto r = parse_message(text, Framing::datagram, m);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(m.status_code == 401);
    const auto www = m.values(HeaderId::www_authenticate);
    REQUIRE(www.size() == 1);
    CHECK(www[0].starts_with("Digest realm=\"atlanta.example.com\""));
    CHECK(www[0].ends_with("algorithm=MD5"));
    CHECK(unfold(www[0]).find("qop=\"auth,auth-int\", nonce=") != std::string::npos);
    CHECK(m.values(HeaderId::proxy_authenticate).size() == 1);
    CHECK_FALSE(is_comma_list(HeaderId::authorization));
    CHECK_FALSE(is_comma_list(HeaderId::proxy_authorization));
    CHECK_FALSE(is_comma_list(HeaderId::other));
}

TEST_CASE("Diversion and History-Info split on top-level commas only") {
    const auto text = crlf(
        "INVITE sip:bob@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
        "To: <sip:bob@example.com>\n"
        "From: <sip:alice@example.com>;tag=1\n"
        "Call-ID: div\n"
        "CSeq: 1 INVITE\n"
        "Diversion: \"Smith, John\" <sip:+15551110000@example.com>;reason=unconditional;counter=1,"
        "<tel:+15552220000>;reason=\"user-busy, really\"\n"
        "Diversion: <sip:third@example.com>;reason=no-answer\n"
        "History-Info: <sip:bob@example.com?Reason=SIP%3Bcause%3D302>;index=1,\n"
        " <sip:bob@192.0.2.5?Privacy=history,x>;index=1.1\n\n");
    Message m;
    REQUIRE(parse_message(text, Framing::datagram, m).status == ParseStatus::ok);
    const auto div = m.values(HeaderId::diversion);
    REQUIRE(div.size() == 3);
    const auto d0 = parse_name_addr(div[0]);
    REQUIRE(d0);
    CHECK(d0->display == "Smith, John");
    CHECK(d0->param("reason") == "unconditional");
    CHECK(d0->param("counter") == "1");
    const auto d1 = parse_name_addr(div[1]);
    REQUIRE(d1);
    CHECK(d1->uri->user == "+15552220000");
    CHECK(d1->param("reason") == "\"user-busy, really\"");
    CHECK(parse_name_addr(div[2])->param("reason") == "no-answer");
    const auto hi = m.values(HeaderId::history_info);
    REQUIRE(hi.size() == 2);
    CHECK(parse_name_addr(hi[0])->param("index") == "1");
    const auto h1 = parse_name_addr(hi[1]);
    REQUIRE(h1);
    CHECK(h1->uri->host == "192.0.2.5");
    CHECK(h1->uri->headers == "Privacy=history,x");
    CHECK(h1->param("index") == "1.1");
}

TEST_CASE("IPv6 Via and Request-URI") {
    const auto text = crlf(
        "OPTIONS sip:[2001:db8::10]:5070;transport=tcp SIP/2.0\n"
        "Via: SIP/2.0/TCP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111;received=2001:db8::9:255;rport=5061\n"
        "To: <sip:[2001:db8::10]>\n"
        "From: <sip:[2001:db8::9:1]>;tag=d4\n"
        "Call-ID: v6\n"
        "CSeq: 2 OPTIONS\n"
        "Content-Length: 0\n\n");
    Message m;
    REQUIRE(parse_message(text, Framing::stream, m).status == ParseStatus::ok);
    const auto via = parse_via(m.first(HeaderId::via));
    REQUIRE(via);
    CHECK(via->transport == "TCP");
    CHECK(via->host == "2001:db8::9:1");
    CHECK(via->port == 5060);
    CHECK(via->param("received") == "2001:db8::9:255");
    CHECK(via->param("rport") == "5061");
    const auto ruri = parse_uri(m.request_uri);
    REQUIRE(ruri);
    CHECK(ruri->host == "2001:db8::10");
    CHECK(ruri->port == 5070);
    CHECK(ruri->param("transport") == "tcp");
}

TEST_CASE("datagram body framing by Content-Length") {
    const std::string head =
        "MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "To: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: cl\r\nCSeq: 1 MESSAGE\r\n";
    Message m;
    SUBCASE("shorter Content-Length truncates, the whole datagram is consumed") {
        const auto text = head + "Content-Length: 3\r\n\r\nabcdef";
        const auto r = parse_message(text, Framing::datagram, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(m.body == "abc");
        CHECK(r.consumed == text.size());
        CHECK(r.warnings.empty());
    }
    SUBCASE("larger Content-Length is a warning and keeps what is there") {
        const auto text = head + "Content-Length: 9999\r\n\r\nabc";
        const auto r = parse_message(text, Framing::datagram, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(m.body == "abc");
        CHECK(has_warning(r, SipAnomaly::body_length_mismatch));
    }
    SUBCASE("no Content-Length: body is the rest") {
        const auto text = head + "\r\nrest of it";
        const auto r = parse_message(text, Framing::datagram, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(m.body == "rest of it");
        CHECK(r.warnings.empty());
    }
    SUBCASE("non-numeric and huge Content-Length: a datagram warning, a stream error") {
        const auto text = head + "Content-Length: 12a\r\n\r\nbody";
        const auto datagram = parse_message(text, Framing::datagram, m);
        REQUIRE(datagram.status == ParseStatus::ok);
        CHECK(has_warning(datagram, SipAnomaly::bad_content_length));
        CHECK(m.body == "body");
        CHECK(parse_message(text, Framing::stream, m).anomaly == SipAnomaly::bad_content_length);
        const auto huge = parse_message(head + "Content-Length: 18446744073709551616\r\n\r\n", Framing::stream, m);
        CHECK(huge.status == ParseStatus::error);
        CHECK(huge.anomaly == SipAnomaly::bad_content_length);
    }
    SUBCASE("headers without an empty line end") {
        const auto r = parse_message(head, Framing::datagram, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(has_warning(r, SipAnomaly::missing_header_end));
        CHECK(m.first(HeaderId::cseq) == "1 MESSAGE");
    }
}

TEST_CASE("stream framing by Content-Length") {
    const std::string head =
        "MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
        "To: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: cl\r\nCSeq: 1 MESSAGE\r\n";
    Message m;
    SUBCASE("incomplete until the whole body is there") {
        const auto text = head + "Content-Length: 6\r\n\r\nabcdef";
        for (std::size_t cut = 0; cut < text.size(); ++cut) {
            const auto r = parse_message(std::string_view(text).substr(0, cut), Framing::stream, m);
            REQUIRE(r.status == ParseStatus::incomplete);
            CHECK(r.consumed == 0);
        }
        const auto pipelined = text + "NEXT";
        const auto r = parse_message(pipelined, Framing::stream, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(r.consumed == text.size());
        CHECK(m.body == "abcdef");
        const auto partial = parse_message(std::string_view(text).substr(0, text.size() - 2), Framing::stream, m);
        CHECK(partial.needed == text.size());
    }
    SUBCASE("missing Content-Length is 0 with a warning") {
        const auto text = head + "\r\nINVITE";
        const auto r = parse_message(text, Framing::stream, m);
        REQUIRE(r.status == ParseStatus::ok);
        CHECK(r.consumed == text.size() - 6);
        CHECK(m.body.empty());
        CHECK(has_warning(r, SipAnomaly::missing_content_length));
    }
    SUBCASE("too large body and header block") {
        ParserLimits limits;
        limits.max_message_size = 300;
        const std::string big = head + "Content-Length: 400\r\n\r\n" + std::string(400, 'b');
        const auto waiting = parse_message(std::string_view(big).substr(0, 299), Framing::stream, m, limits);
        CHECK(waiting.status == ParseStatus::incomplete);
        CHECK(waiting.needed == 300);
        const auto big_body = parse_message(big, Framing::stream, m, limits);
        REQUIRE(big_body.status == ParseStatus::ok);
        CHECK(big_body.consumed == 300);
        CHECK(big_body.skip == big.size() - 300);
        CHECK(has_warning(big_body, SipAnomaly::body_too_large));
        CHECK(m.first(HeaderId::call_id) == "cl");
        CHECK(m.body == std::string(300 - (big.size() - 400), 'b'));
        std::string endless = head;
        while (endless.size() <= 300) endless += "X-Filler: 0123456789\r\n";
        const auto r = parse_message(endless, Framing::stream, m, limits);
        CHECK(r.status == ParseStatus::error);
        CHECK(r.anomaly == SipAnomaly::message_too_large);
        const auto cut = parse_message(endless, Framing::datagram, m, limits);
        REQUIRE(cut.status == ParseStatus::ok);
        CHECK(has_warning(cut, SipAnomaly::message_too_large));
        CHECK(m.first(HeaderId::call_id) == "cl");
        CHECK(cut.consumed == endless.size());
    }
}

TEST_CASE("header limits and odd header lines") {
    Message m;
    std::string text = "OPTIONS sip:a@b SIP/2.0\r\n";
    for (int i = 0; i < 5; ++i) text += "X-H: " + std::to_string(i) + "\r\n";
    ParserLimits limits;
    limits.max_headers = 4;
    // The message refers into the text it was parsed from: keep the text alive while it is read.
    const std::string whole = text + "Call-ID: after-the-limit\r\nX-H: 5\r\n\r\n";
    const auto r = parse_message(whole, Framing::datagram, m, limits);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(has_warning(r, SipAnomaly::too_many_headers));
    CHECK(m.headers.size() == 5);  // the four X-H within the limit, then only the first Call-ID
    CHECK(m.first(HeaderId::call_id) == "after-the-limit");

    const auto odd = parse_message("OPTIONS sip:a@b SIP/2.0\r\nno colon here\r\nX-A : 1 \r\n\r\n", Framing::datagram, m);
    REQUIRE(odd.status == ParseStatus::ok);
    CHECK(has_warning(odd, SipAnomaly::bad_header_line));
    REQUIRE(m.headers.size() == 1);
    CHECK(m.headers[0].name == "X-A");
    CHECK(m.headers[0].value == "1");
    CHECK(has_warning(odd, SipAnomaly::missing_call_id));
    CHECK(has_warning(odd, SipAnomaly::missing_cseq));
    CHECK(has_warning(odd, SipAnomaly::missing_from));
    CHECK(has_warning(odd, SipAnomaly::missing_to));
    CHECK(has_warning(odd, SipAnomaly::missing_via));
}

TEST_CASE("start line probe") {
    CHECK(starts_with_start_line("INVITE sip:bob@biloxi.com SIP/2.0\r\n"));
    CHECK(starts_with_start_line("OPTIONS sips:bob@biloxi.com sip/2.0\r\n"));
    CHECK(starts_with_start_line("MESSAGE tel:+15551234 SIP/2.0\r\n"));
    CHECK(starts_with_start_line("FOO urn:service:sos SIP/2.0\n"));
    CHECK(starts_with_start_line("SIP/2.0 200 OK\r\n"));
    CHECK(starts_with_start_line("SIP/2.0 100\r\n"));
    for (auto method : {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE",
                        "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE"}) {
        CHECK(starts_with_start_line(std::string(method) + " sip:x@192.0.2.1:5060 SIP/2.0\r\n"));
    }
    CHECK_FALSE(starts_with_start_line("GET / HTTP/1.1\r\nHost: x\r\n"));
    CHECK_FALSE(starts_with_start_line("GET http://x/ HTTP/1.1\r\n"));
    CHECK_FALSE(starts_with_start_line("HTTP/1.1 200 OK\r\n"));
    CHECK_FALSE(starts_with_start_line("hello"));
    CHECK_FALSE(starts_with_start_line("\r\n\r\n"));
    CHECK_FALSE(starts_with_start_line("\r\n"));
    CHECK_FALSE(starts_with_start_line(""));
    CHECK_FALSE(starts_with_start_line("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"sv));
    CHECK_FALSE(starts_with_start_line("SIP/2.0 4294967301 better not break the receiver\r\n"));
    CHECK_FALSE(starts_with_start_line("SIP/2.0 20 OK\r\n"));
    CHECK_FALSE(starts_with_start_line("INVITE sip:a@b SIP/2.0 extra\r\n"));
    CHECK_FALSE(starts_with_start_line("INVITE sip:a\0b@c SIP/2.0\r\n"sv));
}

TEST_CASE("find_start_line: junk before a datagram and stream resync") {
    const std::string zeek = "DBREGISTER sip:1.1.1.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 1.1.1.2\r\n\r\n";
    CHECK(find_start_line(zeek, 64) == 2u);
    const std::string binary = std::string("\xde\xad\x00\x01"sv) + "SIP/2.0 200 OK\r\n";
    CHECK(find_start_line(binary, 64) == 4u);
    CHECK(find_start_line("xxSIP/2.0 486 Busy Here\r\n", 64) == 2u);
    CHECK(find_start_line("INVITE sip:a@b SIP/2.0\r\n", 64) == 0u);
    CHECK_FALSE(find_start_line("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 64));
    CHECK(find_start_line(zeek, 3) == 2u);
    CHECK(find_start_line(zeek, 2) == 0u);  // "REGISTER" lies outside the window: an extension method

    const std::string stream = "garbage line\r\nbody INVITE sip:a@b SIP/2.0\r\nBYE sip:a@b SIP/2.0\r\n";
    CHECK(find_start_line_at_line_start(stream, stream.size()) == stream.find("BYE"));
    CHECK_FALSE(find_start_line_at_line_start("abc INVITE sip:a@b SIP/2.0\r\n", 100));
    CHECK(may_be_start_line_prefix("INVITE sip:a@b SI"));
    CHECK(may_be_start_line_prefix("SIP/2.0 20"));
    CHECK_FALSE(may_be_start_line_prefix("Via: SIP/2.0"));
    CHECK_FALSE(may_be_start_line_prefix("GET / HT"));
}

TEST_CASE("header_id: full and compact forms, any case") {
    CHECK(header_id("Via") == HeaderId::via);
    CHECK(header_id("vIA") == HeaderId::via);
    CHECK(header_id("v") == HeaderId::via);
    CHECK(header_id("I") == HeaderId::call_id);
    CHECK(header_id("call-id") == HeaderId::call_id);
    CHECK(header_id("m") == HeaderId::contact);
    CHECK(header_id("l") == HeaderId::content_length);
    CHECK(header_id("c") == HeaderId::content_type);
    CHECK(header_id("f") == HeaderId::from);
    CHECK(header_id("t") == HeaderId::to);
    CHECK(header_id("s") == HeaderId::subject);
    CHECK(header_id("k") == HeaderId::supported);
    CHECK(header_id("o") == HeaderId::event);
    CHECK(header_id("r") == HeaderId::refer_to);
    CHECK(header_id("b") == HeaderId::referred_by);
    CHECK(header_id("y") == HeaderId::identity);
    CHECK(header_id("e") == HeaderId::other);
    CHECK(header_id("u") == HeaderId::other);
    CHECK(header_id("x") == HeaderId::other);
    CHECK(header_id("P-ASSERTED-IDENTITY") == HeaderId::p_asserted_identity);
    CHECK(header_id("p-preferred-identity") == HeaderId::p_preferred_identity);
    CHECK(header_id("Remote-Party-ID") == HeaderId::remote_party_id);
    CHECK(header_id("WWW-Authenticate") == HeaderId::www_authenticate);
    CHECK(header_id("Proxy-Authorization") == HeaderId::proxy_authorization);
    CHECK(header_id("History-Info") == HeaderId::history_info);
    CHECK(header_id("Content-Encoding") == HeaderId::other);
    CHECK(header_id("X-Via") == HeaderId::other);
    CHECK(header_id("") == HeaderId::other);
    CHECK(header_id("P-Preferred-Identity-Extra") == HeaderId::other);
    for (auto i = 1; i < static_cast<int>(HeaderId::count_); ++i) {
        const auto id = static_cast<HeaderId>(i);
        CHECK(header_id(header_canonical_name(id)) == id);
    }
}

TEST_CASE("unfold and split_values") {
    CHECK(unfold("a,\r\n  b") == "a, b");
    CHECK(unfold("a \n\tb") == "a b");
    CHECK(unfold("plain") == "plain");
    const auto parts = split_values(" <sip:a@b;x=\"1,2\">, \"q\\\",\" <sip:c@d> ,,sip:e@f ");
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == "<sip:a@b;x=\"1,2\">");
    CHECK(parts[1] == "\"q\\\",\" <sip:c@d>");
    CHECK(parts[2] == "sip:e@f");
    CHECK(split_values("").empty());
}

TEST_CASE("anomaly names are stable") {
    CHECK(describe(SipAnomaly::bad_start_line).name == "sip.bad_start_line");
    CHECK(describe(SipAnomaly::stream_resync).name == "sip.stream_resync");
    for (int i = 0; i < static_cast<int>(SipAnomaly::count_); ++i) {
        CHECK(describe(static_cast<SipAnomaly>(i)).name.starts_with("sip."));
    }
}

TEST_CASE("find_start_line: after junk only an RFC method is believed") {
    using scamgate::sip::find_start_line;
    const std::string mangled = std::string("%s\0"sv) + "ISTER sip:sip.cybercity.dk SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.2\r\n\r\n";
    CHECK_FALSE(find_start_line(mangled, 64).has_value());
    const std::string glued = "DBREGISTER sip:1.1.1.1:5060 SIP/2.0\r\n\r\n";
    REQUIRE(find_start_line(glued, 64).has_value());
    CHECK(*find_start_line(glued, 64) == 2);
    const std::string spaced = "\r\n\x01\x02OPTIONS sip:a@b SIP/2.0\r\n\r\n";
    REQUIRE(find_start_line(spaced, 64).has_value());
    CHECK(*find_start_line(spaced, 64) == 4);
    CHECK(*find_start_line("FOO sip:a@b SIP/2.0\r\n\r\n", 64) == 0);
}
