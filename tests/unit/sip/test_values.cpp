#include <doctest/doctest.h>

#include "sip/message.h"

using namespace scamgate::sip;

TEST_CASE("parse_uri: sip with user, password, port, params and headers") {
    const auto uri = parse_uri("sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent");
    REQUIRE(uri);
    CHECK(uri->scheme == "sips");
    CHECK(uri->user == "alice");
    CHECK(uri->password == "secret");
    CHECK(uri->host == "atlanta.com");
    CHECK(uri->port == 5061);
    CHECK(uri->params == ";transport=tcp;lr");
    CHECK(uri->param("TRANSPORT") == "tcp");
    CHECK(uri->param("lr") == "");
    CHECK_FALSE(uri->param("maddr"));
    CHECK(uri->headers == "subject=project%20x&priority=urgent");
    CHECK_FALSE(uri->user_is_phone());
}

TEST_CASE("parse_uri: host only, IPv6 and bad ports") {
    const auto host_only = parse_uri("sip:biloxi.com");
    REQUIRE(host_only);
    CHECK(host_only->user.empty());
    CHECK(host_only->host == "biloxi.com");
    CHECK(host_only->port == 0);
    const auto v6 = parse_uri("sip:+1555@[2001:db8::1];user=phone");
    REQUIRE(v6);
    CHECK(v6->host == "2001:db8::1");
    CHECK(v6->user_is_phone());
    CHECK_FALSE(parse_uri("sip:a@host:99999"));
    CHECK_FALSE(parse_uri("sip:a@host:"));
    CHECK_FALSE(parse_uri("sip:a@[2001:db8::1"));
    CHECK_FALSE(parse_uri("sip:@host"));
    CHECK_FALSE(parse_uri("sip:"));
    CHECK_FALSE(parse_uri("nocolon"));
    CHECK_FALSE(parse_uri("sip:a b@host"));
    CHECK_FALSE(parse_uri("1sip:a@host"));
}

TEST_CASE("parse_uri: tel numbers") {
    const auto global = parse_uri("tel:+1-201-555-0123");
    REQUIRE(global);
    CHECK(global->scheme == "tel");
    CHECK(global->user == "+1-201-555-0123");
    CHECK(global->user_is_phone());
    const auto local = parse_uri("tel:7042;phone-context=example.com;ext=22");
    REQUIRE(local);
    CHECK(local->user == "7042");
    CHECK(local->param("phone-context") == "example.com");
    CHECK(local->param("ext") == "22");
    CHECK_FALSE(parse_uri("tel:;phone-context=x"));
}

TEST_CASE("parse_name_addr: forms of RFC 3261 20.10") {
    const auto token_display = parse_name_addr("Bob Smith <sip:bob@biloxi.com;transport=udp>;tag=a6c85cf;x");
    REQUIRE(token_display);
    CHECK(token_display->display == "Bob Smith");
    CHECK(token_display->uri_text == "sip:bob@biloxi.com;transport=udp");
    CHECK(token_display->uri->param("transport") == "udp");
    CHECK(token_display->tag() == "a6c85cf");
    CHECK(token_display->param("x") == "");

    // Without <>, ";tag" and ";transport" belong to the header, not the URI.
    const auto addr_spec = parse_name_addr("sip:bob@biloxi.com;transport=udp;tag=77");
    REQUIRE(addr_spec);
    CHECK(addr_spec->uri_text == "sip:bob@biloxi.com");
    CHECK(addr_spec->uri->params.empty());
    CHECK(addr_spec->param("transport") == "udp");
    CHECK(addr_spec->tag() == "77");

    const auto quoted = parse_name_addr("\"A \\\"quoted\\\" <name>\" <tel:+15551234>;tag=\"q;t\"");
    REQUIRE(quoted);
    CHECK(quoted->display == "A \\\"quoted\\\" <name>");
    CHECK(quoted->uri->user == "+15551234");
    CHECK(quoted->tag() == "\"q;t\"");

    const auto star = parse_name_addr("<urn:service:sos>");
    REQUIRE(star);
    CHECK(star->display.empty());
    CHECK(star->uri->scheme == "urn");

    CHECK_FALSE(parse_name_addr(""));
    CHECK_FALSE(parse_name_addr("\"unterminated <sip:a@b>"));
    CHECK_FALSE(parse_name_addr("Bob <sip:bob@biloxi.com"));
    CHECK_FALSE(parse_name_addr("\"Bob\" sip:bob@biloxi.com"));
    CHECK_FALSE(parse_name_addr("just words"));
}

TEST_CASE("parse_cseq") {
    const auto c = parse_cseq(" 4711  INVITE ");
    REQUIRE(c);
    CHECK(c->number == 4711);
    CHECK(c->method == "INVITE");
    CHECK(parse_cseq("2147483647 ACK")->number == 2147483647u);
    CHECK_FALSE(parse_cseq("2147483648 ACK"));
    CHECK_FALSE(parse_cseq("INVITE"));
    CHECK_FALSE(parse_cseq("12"));
    CHECK_FALSE(parse_cseq("12INVITE"));
    CHECK_FALSE(parse_cseq("-1 INVITE"));
    CHECK_FALSE(parse_cseq("1 INVITE extra"));
}

TEST_CASE("parse_via") {
    const auto via = parse_via("SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK87asdks7;received=198.51.100.7;rport=33012");
    REQUIRE(via);
    CHECK(via->protocol == "SIP/2.0/UDP");
    CHECK(via->transport == "UDP");
    CHECK(via->host == "192.0.2.1");
    CHECK(via->port == 5062);
    CHECK(via->param("branch") == "z9hG4bK87asdks7");
    CHECK(via->param("received") == "198.51.100.7");
    CHECK(via->param("rport") == "33012");
    const auto spaced = parse_via("SIP / 2.0 / WSS [2001:db8::5] : 443 ; rport");
    REQUIRE(spaced);
    CHECK(spaced->transport == "WSS");
    CHECK(spaced->host == "2001:db8::5");
    CHECK(spaced->port == 443);
    CHECK(spaced->param("rport") == "");
    CHECK_FALSE(parse_via("SIP/2.0 host"));
    CHECK_FALSE(parse_via("SIP/2.0/UDP"));
    CHECK_FALSE(parse_via("SIP/2.0/UDP host:port"));
    CHECK_FALSE(parse_via("SIP/2.0/UDP ;branch=1"));
}

TEST_CASE("parse_sdp: session and media connections, LF-only, junk lines") {
    const auto sdp = parse_sdp(
        "v=0\n"
        "o=- 20518 0 IN IP6 2001:db8::1\n"
        "s=call\n"
        "c=IN IP4 203.0.113.1/127\n"
        "garbage line without equals\n"
        "t=0 0\n"
        "m=audio 49170/2 RTP/AVP 0 8 101\n"
        "c=IN IP4 203.0.113.2\n"
        "a=sendrecv\n"
        "m=image 54111 udptl t38\r\n"
        "m=video 0 RTP/AVP 31\n");
    REQUIRE(sdp);
    CHECK(sdp->origin_address == "2001:db8::1");
    CHECK(sdp->session_connection == "203.0.113.1");
    REQUIRE(sdp->media.size() == 3);
    CHECK(sdp->media[0].type == "audio");
    CHECK(sdp->media[0].port == 49170);
    CHECK(sdp->media[0].protocol == "RTP/AVP");
    CHECK(sdp->media[0].formats == "0 8 101");
    CHECK(sdp->media[0].connection == "203.0.113.2");
    CHECK(sdp->media[1].protocol == "udptl");
    CHECK(sdp->media[1].formats == "t38");
    CHECK(sdp->media[1].connection.empty());
    CHECK(sdp->media[2].port == 0);
    CHECK_FALSE(parse_sdp("not sdp at all"));
    CHECK_FALSE(parse_sdp(""));
}
