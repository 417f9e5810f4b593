#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sip/stream_framer.h"
#include "sip_test_util.h"

using namespace scamgate::sip;
using scamgate::sip::test::crlf;

namespace {

struct Recorded {
    std::string method_or_status;
    std::string call_id;
    std::string body;
    std::string raw;
};

class RecordingSink : public StreamFramer::Sink {
public:
    void on_message(const Message& m, std::string_view raw) override {
        Recorded r;
        r.method_or_status = m.is_request ? std::string(m.method) : std::to_string(m.status_code);
        r.call_id = std::string(m.first(HeaderId::call_id));
        r.body = std::string(m.body);
        r.raw = std::string(raw);
        messages.push_back(std::move(r));
    }
    void on_anomaly(SipAnomaly a) override { anomalies.push_back(a); }

    std::size_t anomaly_count(SipAnomaly a) const {
        return static_cast<std::size_t>(std::count(anomalies.begin(), anomalies.end(), a));
    }

    std::vector<Recorded> messages;
    std::vector<SipAnomaly> anomalies;
};

std::string message_with_body(std::string_view call_id, std::string_view body) {
    return crlf("MESSAGE sip:bob@example.com SIP/2.0\n"
                "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-" + std::string(call_id) + "\n"
                "From: <sip:alice@example.com>;tag=1\n"
                "To: <sip:bob@example.com>\n"
                "Call-ID: " + std::string(call_id) + "\n"
                "CSeq: 1 MESSAGE\n"
                "Content-Type: text/plain\n"
                "Content-Length: " + std::to_string(body.size()) + "\n\n") +
           std::string(body);
}

std::string three_pipelined() {
    return test::alice_invite() + test::bob_ringing() + message_with_body("m3", "third\r\nbody");
}

void check_three(const RecordingSink& sink) {
    REQUIRE(sink.messages.size() == 3);
    CHECK(sink.messages[0].method_or_status == "INVITE");
    CHECK(sink.messages[0].raw == test::alice_invite());
    CHECK(sink.messages[0].body.starts_with("v=0"));
    CHECK(sink.messages[1].method_or_status == "180");
    CHECK(sink.messages[2].method_or_status == "MESSAGE");
    CHECK(sink.messages[2].body == "third\r\nbody");
}

}  // namespace

TEST_CASE("three pipelined messages in one feed are parsed without buffering") {
    StreamFramer framer;
    RecordingSink sink;
    framer.feed(three_pipelined(), sink);
    check_three(sink);
    CHECK(sink.anomalies.empty());
    CHECK(framer.buffered() == 0);
}

TEST_CASE("three pipelined messages fed one byte at a time") {
    StreamFramer framer;
    RecordingSink sink;
    const auto all = three_pipelined();
    for (char c : all) {
        framer.feed(std::string_view(&c, 1), sink);
        CHECK(framer.buffered() <= all.size());
    }
    check_three(sink);
    CHECK(sink.anomalies.empty());
    CHECK(framer.buffered() == 0);
}

TEST_CASE("messages split across feeds at every position") {
    const auto all = three_pipelined();
    for (std::size_t cut = 1; cut < all.size(); cut += 7) {
        StreamFramer framer;
        RecordingSink sink;
        framer.feed(std::string_view(all).substr(0, cut), sink);
        framer.feed(std::string_view(all).substr(cut), sink);
        CAPTURE(cut);
        check_three(sink);
        CHECK(sink.anomalies.empty());
    }
}

TEST_CASE("CRLF keepalives between messages are skipped silently") {
    StreamFramer framer;
    RecordingSink sink;
    framer.feed("\r\n\r\n", sink);
    framer.feed(test::bob_bye(), sink);
    framer.feed("\r\n", sink);
    framer.feed("\r\n\r\n" + test::bob_ringing(), sink);
    framer.feed("\r\n", sink);
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[0].method_or_status == "BYE");
    CHECK(sink.messages[1].method_or_status == "180");
    CHECK(sink.anomalies.empty());
    CHECK(framer.buffered() == 0);
}

TEST_CASE("garbage before and between messages: one resync per episode") {
    StreamFramer framer;
    RecordingSink sink;
    framer.feed("\x16\x03\x01 binary junk\r\nmore junk without sense\r\nand a partial li", sink);
    CHECK(sink.anomaly_count(SipAnomaly::stream_resync) == 1);
    framer.feed("ne\r\n" + test::bob_bye(), sink);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].method_or_status == "BYE");
    CHECK(sink.anomaly_count(SipAnomaly::stream_resync) == 1);
    framer.feed("junk again\r\n" + test::bob_ringing(), sink);
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[1].method_or_status == "180");
    CHECK(sink.anomaly_count(SipAnomaly::stream_resync) == 2);
    CHECK(sink.anomalies.size() == 2);
}

TEST_CASE("gap in the middle of a body, then resync on the next message") {
    StreamFramer framer;
    RecordingSink sink;
    const auto first = message_with_body("gap1", "a body that will be cut\r\nsecond line of body\r\n");
    const std::size_t cut = first.size() - 30;
    framer.feed(std::string_view(first).substr(0, cut), sink);
    CHECK(sink.messages.empty());
    CHECK(framer.buffered() == cut);
    framer.on_gap(sink);
    CHECK(framer.buffered() == 0);
    // After the gap: the tail of the lost body, then a whole message.
    framer.feed(std::string_view(first).substr(cut + 5), sink);
    framer.feed(message_with_body("after-gap", "ok"), sink);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].call_id == "after-gap");
    CHECK(sink.messages[0].body == "ok");
    CHECK(sink.anomaly_count(SipAnomaly::stream_resync) == 1);
}

TEST_CASE("a message with an oversize body is handed on cut, its excess skipped, the next framed") {
    ParserLimits limits;
    limits.max_message_size = 1024;
    const auto big = message_with_body("big", std::string(4000, 'x'));
    const auto small = message_with_body("small", "fits");
    for (std::size_t step : {std::size_t{100}, std::size_t{1}, big.size() + small.size()}) {
        CAPTURE(step);
        StreamFramer framer(limits);
        RecordingSink sink;
        const auto both = big + small;
        for (std::size_t pos = 0; pos < both.size(); pos += step) {
            framer.feed(std::string_view(both).substr(pos, step), sink);
            CHECK(framer.buffered() <= limits.max_message_size + step);
        }
        REQUIRE(sink.messages.size() == 2);
        CHECK(sink.messages[0].call_id == "big");
        CHECK(sink.messages[0].raw.size() == limits.max_message_size);
        CHECK(sink.messages[0].body == std::string(sink.messages[0].body.size(), 'x'));
        CHECK(sink.messages[1].call_id == "small");
        CHECK(sink.messages[1].body == "fits");
        CHECK(sink.anomalies == std::vector{SipAnomaly::body_too_large});
        CHECK(framer.skipping() == 0);
    }

    RecordingSink endless_sink;
    StreamFramer endless(limits);
    endless.feed("OPTIONS sip:a@b SIP/2.0\r\n", endless_sink);
    for (int i = 0; i < 200; ++i) {
        endless.feed("X-Filler: 0123456789\r\n", endless_sink);
        CHECK(endless.buffered() <= limits.max_message_size + 22);
    }
    CHECK(endless_sink.anomaly_count(SipAnomaly::message_too_large) == 1);
    CHECK(endless_sink.messages.empty());
}

TEST_CASE("missing Content-Length frames an empty body with a warning") {
    StreamFramer framer;
    RecordingSink sink;
    const auto no_cl = crlf(
        "OPTIONS sip:bob@example.com SIP/2.0\n"
        "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-nocl\n"
        "From: <sip:alice@example.com>;tag=1\n"
        "To: <sip:bob@example.com>\n"
        "Call-ID: nocl\n"
        "CSeq: 7 OPTIONS\n"
        "\n");
    framer.feed(no_cl + test::bob_bye(), sink);
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[0].call_id == "nocl");
    CHECK(sink.messages[0].body.empty());
    CHECK(sink.messages[1].method_or_status == "BYE");
    CHECK(sink.anomalies == std::vector{SipAnomaly::missing_content_length});
}

TEST_CASE("bad Content-Length resyncs to the next start line") {
    StreamFramer framer;
    RecordingSink sink;
    const auto bad = crlf(
        "OPTIONS sip:bob@example.com SIP/2.0\n"
        "Call-ID: bad\n"
        "Content-Length: 12x\n"
        "\n");
    framer.feed(bad + test::bob_bye(), sink);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].method_or_status == "BYE");
    CHECK(sink.anomalies == std::vector{SipAnomaly::bad_content_length, SipAnomaly::stream_resync});
}

TEST_CASE("junk without line ends is not buffered without bound") {
    StreamFramer framer;
    RecordingSink sink;
    for (int i = 0; i < 1000; ++i) framer.feed("\x01\x02\x03 garbage; ", sink);
    CHECK(framer.buffered() == 0);
    CHECK(sink.anomaly_count(SipAnomaly::stream_resync) == 1);
    framer.feed("\r\n" + test::bob_bye(), sink);
    REQUIRE(sink.messages.size() == 1);
}

namespace {

// Records each head and message with where the current feed carries it.
class HeadSink : public StreamFramer::Sink {
public:
    explicit HeadSink(const StreamFramer& framer) : framer_(framer) {}
    void on_head(const Message& head, std::string_view raw_head) override {
        events.push_back("head " + std::string(head.method) + " body=" + std::to_string(head.body.size()));
        head_raw = std::string(raw_head);
        head_fed = framer_.fed_part(raw_head);
    }
    void on_message(const Message& m, std::string_view raw) override {
        events.push_back("message " + std::string(m.method) + " body=" + std::to_string(m.body.size()));
        message_fed = framer_.fed_part(raw);
        message_size = raw.size();
    }
    void on_anomaly(SipAnomaly /*a*/) override {}

    std::vector<std::string> events;
    std::string head_raw;
    StreamFramer::FedPart head_fed;
    StreamFramer::FedPart message_fed;
    std::size_t message_size = 0;

private:
    const StreamFramer& framer_;
};

}  // namespace

TEST_CASE("stream framer: a message whose body is still to come hands its head on once, then the message") {
    const std::string body(3000, 'b');
    const std::string whole = message_with_body("h1", body);
    const std::size_t head_size = whole.size() - body.size();
    StreamFramer framer;
    HeadSink sink(framer);

    // The head is cut: nothing yet.
    const std::string first = whole.substr(0, 40);
    framer.feed(first, sink);
    CHECK(sink.events.empty());
    // The feed that completes the head: the head is handed on, its last bytes carried by this feed.
    const std::string second = whole.substr(40, head_size - 40 + 100);
    framer.feed(second, sink);
    REQUIRE(sink.events.size() == 1);
    CHECK(sink.events[0] == "head MESSAGE body=0");
    CHECK(sink.head_raw == whole.substr(0, head_size));
    CHECK(sink.head_fed.offset == 40);
    CHECK(sink.head_fed.bytes.data() == second.data());  // the caller's bytes, not a copy
    CHECK(sink.head_fed.bytes.size() == head_size - 40);
    // More body: no second head.
    const std::string third = whole.substr(40 + second.size(), 1000);
    framer.feed(third, sink);
    CHECK(sink.events.size() == 1);
    // The rest: the message, of which only the last feed's bytes are carried now.
    const std::string rest = whole.substr(40 + second.size() + third.size());
    framer.feed(rest, sink);
    REQUIRE(sink.events.size() == 2);
    CHECK(sink.events[1] == "message MESSAGE body=3000");
    CHECK(sink.message_size == whole.size());
    CHECK(sink.message_fed.offset == whole.size() - rest.size());
    CHECK(sink.message_fed.bytes.data() == rest.data());
}

TEST_CASE("stream framer: a message whole in one feed has no head call and is carried by that feed") {
    const std::string whole = message_with_body("h2", "short body");
    StreamFramer framer;
    HeadSink sink(framer);
    const std::string feed = "\r\n" + whole;  // a keepalive before it
    framer.feed(feed, sink);
    REQUIRE(sink.events.size() == 1);
    CHECK(sink.events[0] == "message MESSAGE body=10");
    CHECK(sink.message_fed.offset == 0);
    CHECK(sink.message_fed.bytes.data() == feed.data() + 2);
    CHECK(sink.message_fed.bytes.size() == whole.size());
}

TEST_CASE("stream framer: after a gap the head of the lost message is forgotten") {
    const std::string body(500, 'x');
    const std::string whole = message_with_body("h3", body);
    StreamFramer framer;
    HeadSink sink(framer);
    framer.feed(whole.substr(0, whole.size() - 100), sink);
    REQUIRE(sink.events.size() == 1);
    framer.on_gap(sink);
    // The same message again, whole in two feeds: its head is handed on again.
    framer.feed(whole.substr(0, whole.size() - 100), sink);
    framer.feed(whole.substr(whole.size() - 100), sink);
    REQUIRE(sink.events.size() == 3);
    CHECK(sink.events[1] == "head MESSAGE body=0");
    CHECK(sink.events[2] == "message MESSAGE body=500");
}
