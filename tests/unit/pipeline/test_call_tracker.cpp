#include <doctest/doctest.h>

#include <vector>

#include "pipeline/call_tracker.h"
#include "sip_texts.h"

using namespace scamgate;
using namespace scamgate::pipeline;
using scamgate::testing::CallParties;

namespace {

struct Collector final : record::ContactSink {
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

struct Harness {
    Collector sink;
    CallTrackerLimits limits;
    CallTracker tracker{limits, sink, "unit"};
    sip::Message message;

    explicit Harness(CallTrackerLimits l = {}) : limits(l), tracker(l, sink, "unit") {}

    void feed(const std::string& text, double at_seconds) {
        auto result = sip::parse_message(text, sip::Framing::datagram, message);
        REQUIRE(result.status == sip::ParseStatus::ok);
        MessageOrigin origin;
        origin.ts = seconds(1000 + at_seconds);
        origin.tuple.src = *IpAddress::parse("203.0.113.10");
        origin.tuple.dst = *IpAddress::parse("198.51.100.1");
        origin.tuple.src_port = 5060;
        origin.tuple.dst_port = 5060;
        tracker.on_message(message, origin);
        tracker.expire(origin.ts);
    }
};

}  // namespace

TEST_CASE("answered call ends at BYE with its whole timeline") {
    Harness h;
    CallParties p;
    h.feed(testing::request(p, "INVITE", 1, false, testing::sdp_body()), 0);
    h.feed(testing::response(p, 100, "Trying", 1, "INVITE", false), 0.1);
    h.feed(testing::response(p, 180, "Ringing", 1, "INVITE"), 0.5);
    h.feed(testing::response(p, 200, "OK", 1, "INVITE"), 3.0);
    h.feed(testing::request(p, "ACK", 1, true), 3.1);
    CHECK(h.sink.contacts.empty());
    h.feed(testing::request(p, "BYE", 2, true), 63.0);

    REQUIRE(h.sink.contacts.size() == 1);
    const auto& c = h.sink.contacts[0];
    REQUIRE(c.call);
    CHECK(c.call->call_id == p.call_id);
    CHECK(c.caller.user == "+84912345678");
    CHECK(c.caller.display == "Caller");
    CHECK(c.caller.user_is_phone);
    CHECK(c.callee.user == "+84241234567");
    CHECK(c.ingress.src.to_string() == "203.0.113.10");
    CHECK(c.call->end == record::CallEnd::bye);
    CHECK(c.call->final_status == 200);
    CHECK(c.call->timeline.invite == seconds(1000));
    CHECK(*c.call->timeline.first_provisional == seconds(1000.1));
    CHECK(c.call->timeline.first_provisional_status == 100);
    CHECK(*c.call->timeline.ringing == seconds(1000.5));
    CHECK(*c.call->timeline.answer == seconds(1003));
    CHECK(c.call->timeline.end == seconds(1063));
    CHECK(c.call->messages == 6);
    CHECK(c.call->user_agent == "TestUA/1.0");
    CHECK(c.call->server == "TestGW/2.0");
    CHECK(c.call->max_forwards == 70);
    REQUIRE(c.call->media.size() == 1);
    CHECK(c.call->media[0].address == "203.0.113.10");
    CHECK(c.call->media[0].port == 49170);
    REQUIRE(c.call->via_first);
    CHECK(c.call->via_first->branch == "z9hG4bK776asdhds1");
}

TEST_CASE("rejected call ends at the final error, retransmitted INVITE is not a second call") {
    Harness h;
    CallParties p;
    h.feed(testing::request(p, "INVITE", 1, false), 0);
    h.feed(testing::request(p, "INVITE", 1, false), 0.5);  // Timer A retransmission
    h.feed(testing::response(p, 486, "Busy Here", 1, "INVITE"), 1);
    h.feed(testing::request(p, "ACK", 1, true), 1.01);
    h.feed(testing::request(p, "INVITE", 1, false), 1.5);  // late retransmission while lingering
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::rejected);
    CHECK(h.sink.contacts[0].call->final_status == 486);
    CHECK(h.sink.contacts[0].call->final_reason == "Busy Here");
    CHECK(h.sink.contacts[0].call->invite_retransmissions == 1);
}

TEST_CASE("CANCEL then 487 ends as cancel") {
    Harness h;
    CallParties p;
    h.feed(testing::request(p, "INVITE", 1, false), 0);
    h.feed(testing::response(p, 180, "Ringing", 1, "INVITE"), 1);
    h.feed(testing::request(p, "CANCEL", 1, false), 4);
    h.feed(testing::response(p, 200, "OK", 1, "CANCEL"), 4.1);
    CHECK(h.sink.contacts.empty());
    h.feed(testing::response(p, 487, "Request Terminated", 1, "INVITE"), 4.2);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::cancel);
    CHECK(h.sink.contacts[0].call->final_status == 487);
    CHECK_FALSE(h.sink.contacts[0].call->timeline.answer.has_value());
}

TEST_CASE("a 407 challenge followed by an authenticated INVITE stays one call attempt") {
    Harness h;
    CallParties p;
    h.feed(testing::request(p, "INVITE", 1, false), 0);
    h.feed(testing::response(p, 407, "Proxy Authentication Required", 1, "INVITE"), 0.1);
    h.feed(testing::request(p, "ACK", 1, true), 0.11);
    h.feed(testing::request(p, "INVITE", 2, false), 0.3);
    h.feed(testing::response(p, 200, "OK", 2, "INVITE"), 2);
    h.feed(testing::request(p, "BYE", 3, true), 10);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::bye);
    CHECK(h.sink.contacts[0].call->final_status == 200);
}

TEST_CASE("an unanswered challenge ends as rejected with the challenge status after the linger time") {
    Harness h;
    CallParties p;
    h.feed(testing::request(p, "INVITE", 1, false), 0);
    h.feed(testing::response(p, 401, "Unauthorized", 1, "INVITE"), 0.1);
    CHECK(h.sink.contacts.empty());
    h.tracker.expire(seconds(1000 + 33));
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::rejected);
    CHECK(h.sink.contacts[0].call->final_status == 401);
}

TEST_CASE("setup timeout and capture end") {
    CallTrackerLimits limits;
    limits.setup_timeout = seconds(10);
    Harness h(limits);
    CallParties a;
    CallParties b;
    b.call_id = "second-call@example.net";
    h.feed(testing::request(a, "INVITE", 1, false), 0);
    h.feed(testing::request(b, "INVITE", 1, false), 5);
    h.feed(testing::response(b, 200, "OK", 1, "INVITE"), 6);
    h.tracker.expire(seconds(1000 + 10));
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->call_id == a.call_id);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::timeout);
    CHECK(h.tracker.active() == 1);
    h.tracker.flush(record::CallEnd::capture_end, seconds(1020));
    REQUIRE(h.sink.contacts.size() == 2);
    CHECK(h.sink.contacts[1].call->end == record::CallEnd::capture_end);
    CHECK(h.tracker.active() == 0);
}

TEST_CASE("a full table evicts the oldest call, which is still reported") {
    CallTrackerLimits limits;
    limits.max_calls = 2;
    Harness h(limits);
    for (int i = 0; i < 3; ++i) {
        CallParties p;
        p.call_id = "call-" + std::to_string(i);
        h.feed(testing::request(p, "INVITE", 1, false), i);
    }
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->call_id == "call-0");
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::evicted);
    StatsReport stats;
    h.tracker.append_stats(stats);
    CHECK(stats.at("calls.end.evicted") == 1);
    CHECK(stats.at("calls.active") == 2);
}

TEST_CASE("identity headers, Privacy and Identity are carried into the record") {
    Harness h;
    CallParties p;
    p.extra_headers =
        "P-Asserted-Identity: \"Bank\" <sip:+842838247247@203.0.113.10>, <tel:+842838247247>\r\n"
        "P-Preferred-Identity: <sip:+84999@203.0.113.10>\r\n"
        "Remote-Party-ID: \"Bank\" <sip:+842838247247@203.0.113.10>;party=calling;screen=no\r\n"
        "Diversion: <sip:+84241111111@198.51.100.1>;reason=unconditional\r\n"
        "History-Info: <sip:+84241234567@198.51.100.1>;index=1, <sip:+84242222222@198.51.100.1>;index=1.1\r\n"
        "Privacy: id\r\n"
        "Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0.c2ln;info=<https://cert.example/c.pem>\r\n";
    h.feed(testing::request(p, "INVITE", 1, false), 0);
    h.feed(testing::response(p, 603, "Decline", 1, "INVITE"), 1);
    REQUIRE(h.sink.contacts.size() == 1);
    const auto& d = *h.sink.contacts[0].call;
    REQUIRE(d.p_asserted_identity.size() == 2);
    CHECK(d.p_asserted_identity[0].user == "+842838247247");
    CHECK(d.p_asserted_identity[0].display == "Bank");
    CHECK(d.p_asserted_identity[1].uri == "tel:+842838247247");
    CHECK(d.p_asserted_identity[1].user == "+842838247247");
    REQUIRE(d.p_preferred_identity.size() == 1);
    REQUIRE(d.remote_party_id.size() == 1);
    REQUIRE(d.diversion.size() == 1);
    CHECK(d.diversion[0].user == "+84241111111");
    REQUIRE(d.history_info.size() == 2);
    CHECK(d.history_info[1].user == "+84242222222");
    CHECK(d.privacy == "id");
    CHECK(d.has_identity_header);
}

// The Call-ID index through growth, deletion and reused slots: 5,000 calls over a table of 1,500,
// every third ended by BYE while the others wait; each BYE must find its own call (a broken probe
// chain would make it an orphan), and eviction must take the oldest call still held.
TEST_CASE("thousands of calls through a bounded table: every BYE finds its call, eviction goes oldest first") {
    CallTrackerLimits limits;
    limits.max_calls = 1500;
    limits.linger = 0;  // ended calls leave at once, so the table holds the open ones only
    Harness h(limits);
    std::vector<CallParties> parties(5000);
    for (std::size_t i = 0; i < parties.size(); ++i) {
        parties[i].call_id = "churn-" + std::to_string(i * 7919 % 100003) + "@203.0.113.10";
        h.feed(testing::request(parties[i], "INVITE", 1, false), static_cast<double>(i) * 0.01);
        h.feed(testing::response(parties[i], 200, "OK", 1, "INVITE"), static_cast<double>(i) * 0.01);
        if (i % 3 == 0) h.feed(testing::request(parties[i], "BYE", 2, true), static_cast<double>(i) * 0.01);
    }
    StatsReport stats;
    h.tracker.append_stats(stats);
    CHECK(stats.at("sip.orphan_messages") == 0);
    CHECK(stats.at("calls.end.bye") == 1667);
    // 3,333 answered calls without BYE and a table of 1,500: the first 1,833 of them were evicted,
    // in the order they came.
    CHECK(stats.at("calls.end.evicted") == 1833);
    std::vector<std::string> evicted;
    for (const auto& c : h.sink.contacts) {
        if (c.call->end == record::CallEnd::evicted) evicted.push_back(c.call->call_id);
    }
    REQUIRE(evicted.size() == 1833);
    CHECK(evicted.front() == parties[1].call_id);
    CHECK(evicted.back() == parties[2749].call_id);
    CHECK(h.tracker.active() == 1500);
    h.tracker.flush(record::CallEnd::capture_end, seconds(2000));
    CHECK(h.sink.contacts.back().call->call_id == parties[4999].call_id);
    CHECK(h.tracker.active() == 0);
}

// The tracker refills one contact for every INVITE: nothing of a rich INVITE (identities, SDP,
// two Vias, a display name) may remain in the record of a sparse one that follows.
TEST_CASE("a sparse INVITE after a rich one has exactly the record a fresh read of it gives") {
    Harness h;
    CallParties rich;
    rich.extra_headers =
        "P-Asserted-Identity: \"Bank\" <sip:+842838247247@198.51.100.9>, <tel:+842838247247>\r\n"
        "Diversion: <sip:+84241111111@198.51.100.1>;reason=unconditional\r\n"
        "Via: SIP/2.0/UDP 192.0.2.200;branch=z9hG4bKbottom\r\n"
        "Privacy: id\r\n"
        "Identity: abc;info=<https://cert.example/c.pem>\r\n";
    h.feed(testing::request(rich, "INVITE", 1, false, testing::sdp_body()), 0);
    const std::string sparse =
        "INVITE sip:198.51.100.1 SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 192.0.2.7;branch=z9hG4bKs\r\n"
        "From: <sip:alice@192.0.2.7>;tag=t1\r\n"
        "To: <sip:+8424@198.51.100.1>\r\n"
        "Call-ID: sparse-1\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Length: 0\r\n\r\n";
    h.feed(sparse, 1);
    h.tracker.flush(record::CallEnd::capture_end, seconds(1002));
    REQUIRE(h.sink.contacts.size() == 2);
    const record::Contact& got = h.sink.contacts[1];

    sip::Message message;
    REQUIRE(sip::parse_message(sparse, sip::Framing::datagram, message).status == sip::ParseStatus::ok);
    MessageOrigin origin;
    origin.ts = seconds(1001);
    origin.tuple.src = *IpAddress::parse("203.0.113.10");
    origin.tuple.dst = *IpAddress::parse("198.51.100.1");
    origin.tuple.src_port = 5060;
    origin.tuple.dst_port = 5060;
    record::Contact expected = call_from_invite(message, origin, "sparse-1", "unit");
    expected.call->end = record::CallEnd::capture_end;
    expected.call->timeline.end = seconds(1002);

    REQUIRE(got.call);
    CHECK(*got.call == *expected.call);
    CHECK(got.caller == expected.caller);
    CHECK(got.callee == expected.callee);
    CHECK(got.ingress == expected.ingress);
    CHECK(got.source == "unit");
    CHECK(got.call->p_asserted_identity.empty());
    CHECK(got.call->media.empty());
    CHECK(got.caller.display.empty());
    CHECK(got.callee.user == "+8424");
    CHECK_FALSE(got.call->via_last->branch.empty());
    CHECK(got.call->via_last->branch == "z9hG4bKs");
}
