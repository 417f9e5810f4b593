#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include "pcapgen/packet_builder.h"
#include "pipeline/worker.h"
#include "sip_texts.h"

using namespace scamgate;
using namespace scamgate::pipeline;
using pcapgen::PacketBuilder;
using scamgate::testing::CallParties;

namespace {

struct Collector final : record::ContactSink {
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

struct WorkerHarness {
    std::ostringstream log_text;
    Logger log{log_text};
    Collector sink;
    Worker worker;
    std::uint64_t number = 0;

    explicit WorkerHarness(const PipelineConfig& config = {}) : worker(config, sink, log) {
        worker.begin_source("unit");
    }
    void feed(const pcapgen::Bytes& frame, double at_seconds, int linktype = pcapgen::linktype::ethernet) {
        capture::Packet packet;
        packet.ts = seconds(1'700'000'000 + at_seconds);
        packet.linktype = linktype;
        packet.data = ByteView(frame.data(), frame.size());
        packet.wire_length = static_cast<std::uint32_t>(frame.size());
        packet.number = ++number;
        worker.on_packet(packet);
    }
};

pcapgen::Bytes udp_frame(const std::string& sip, std::uint16_t sport = 5060, std::uint16_t dport = 5060,
                         const char* src = "203.0.113.10", const char* dst = "198.51.100.1") {
    return PacketBuilder().ethernet().ipv4(src, dst).udp(sport, dport).payload(sip).build();
}

pcapgen::Bytes reply_frame(const std::string& sip, std::uint16_t sport = 5060, std::uint16_t dport = 5060) {
    return udp_frame(sip, sport, dport, "198.51.100.1", "203.0.113.10");
}

}  // namespace

TEST_CASE("worker: a UDP call becomes one call record with counters to match") {
    WorkerHarness h;
    CallParties p;
    h.feed(udp_frame(testing::request(p, "INVITE", 1, false, testing::sdp_body())), 0);
    h.feed(reply_frame(testing::response(p, 180, "Ringing", 1, "INVITE")), 1);
    h.feed(reply_frame(testing::response(p, 200, "OK", 1, "INVITE")), 2);
    h.feed(udp_frame(testing::request(p, "ACK", 1, true)), 2.1);
    h.feed(udp_frame(testing::request(p, "BYE", 2, true)), 30);
    h.feed(reply_frame(testing::response(p, 200, "OK", 2, "BYE")), 30.1);
    h.worker.end_source();

    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::bye);
    CHECK(h.sink.contacts[0].ingress.transport == "udp");
    CHECK(h.sink.contacts[0].source == "unit");
    auto stats = h.worker.stats();
    CHECK(stats.at("packets") == 6);
    CHECK(stats.at("sip.messages") == 6);
    CHECK(stats.at("sip.requests") == 3);
    CHECK(stats.at("sip.responses") == 3);
    CHECK(stats.at("calls") == 1);
    CHECK(stats.at("sip.parse_errors") == 0);
    CHECK(stats.at("decode.errors") == 0);
}

TEST_CASE("worker: SIP on a port that is not configured is found by its start line") {
    WorkerHarness h;
    CallParties p;
    h.feed(udp_frame(testing::request(p, "INVITE", 1, false), 40000, 5080), 0);
    h.worker.end_source();
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].ingress.dst_port == 5080);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::capture_end);
}

TEST_CASE("worker: with any-port detection off, only configured ports carry SIP") {
    PipelineConfig config;
    config.sip.any_port = false;
    WorkerHarness h(config);
    CallParties p;
    h.feed(udp_frame(testing::request(p, "INVITE", 1, false), 40000, 5080), 0);
    h.worker.end_source();
    CHECK(h.sink.contacts.empty());
    CHECK(h.worker.stats().at("sip.messages") == 0);
}

TEST_CASE("worker: junk and keepalives on the SIP port are counted, not parsed as SIP") {
    WorkerHarness h;
    h.feed(udp_frame("hello"), 0);
    h.feed(udp_frame("\r\n\r\n"), 1);
    h.feed(udp_frame("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 2);
    h.feed(udp_frame(std::string("\x80\x00\x01\x02", 4)), 3, pcapgen::linktype::ethernet);
    auto stats = h.worker.stats();
    CHECK(stats.at("sip.messages") == 0);
    CHECK(stats.at("sip.keepalives") == 1);
    CHECK(stats.at("sip.non_sip_on_sip_port") == 3);
    CHECK(stats.at("sip.parse_errors") == 0);
}

TEST_CASE("worker: over UDP a bad Content-Length is a counted anomaly and the call is still recorded") {
    WorkerHarness h;
    CallParties p;
    std::string bad = testing::request(p, "INVITE", 1, false, testing::sdp_body());
    bad.replace(bad.find("Content-Length: "), std::string_view("Content-Length: ").size(), "Content-Length: -");
    h.feed(udp_frame(bad), 0);
    CallParties other;
    other.call_id = "second-call@203.0.113.10";
    h.feed(udp_frame(testing::request(other, "INVITE", 1, false)), 1);
    h.worker.end_source();
    auto stats = h.worker.stats();
    CHECK(stats.get("sip.parse_errors") == 0);
    CHECK(stats.get("sip.messages") == 2);
    CHECK(stats.get("anomaly.sip.bad_content_length") == 1);
    REQUIRE(h.sink.contacts.size() == 2);
    CHECK(h.sink.contacts[0].call->call_id == p.call_id);
    CHECK(h.sink.contacts[0].caller.user == p.from_user);
    CHECK(h.sink.contacts[0].call->media.size() == 1);  // the body is the rest of the datagram
    CHECK(h.log_text.str().find("bad_content_length") != std::string::npos);
}

TEST_CASE("worker: over TCP a bad Content-Length loses that message and the next one still parses") {
    WorkerHarness h;
    CallParties p;
    pcapgen::TcpSpec spec{.src_port = 40001, .dst_port = 5060, .seq = 1000};
    const std::string broken = "OPTIONS sip:x@y SIP/2.0\r\nContent-Length: abc\r\n\r\n";
    h.feed(PacketBuilder().ethernet().ipv4("203.0.113.10", "198.51.100.1").tcp(spec)
               .payload(broken + testing::request(p, "INVITE", 1, false)).build(), 0);
    h.worker.end_source();
    auto stats = h.worker.stats();
    CHECK(stats.at("sip.parse_errors") == 1);
    CHECK(stats.at("sip.messages") == 1);
    CHECK(stats.at("anomaly.sip.bad_content_length") == 1);
    CHECK(h.sink.contacts.size() == 1);
}

TEST_CASE("worker: SIP over TCP split across segments and pipelined in one segment") {
    WorkerHarness h;
    CallParties p;
    const std::string invite = testing::request(p, "INVITE", 1, false, testing::sdp_body());
    const std::string ringing = testing::response(p, 180, "Ringing", 1, "INVITE");
    const std::string ok = testing::response(p, 200, "OK", 1, "INVITE");
    auto seg = [](const std::string& data, std::uint32_t seq, bool from_caller, std::uint8_t flags = 0x18) {
        pcapgen::TcpSpec spec;
        spec.src_port = from_caller ? 40001 : 5060;
        spec.dst_port = from_caller ? 5060 : 40001;
        spec.seq = seq;
        spec.flags = flags;
        auto b = PacketBuilder().ethernet();
        if (from_caller) {
            b.ipv4("203.0.113.10", "198.51.100.1");
        } else {
            b.ipv4("198.51.100.1", "203.0.113.10");
        }
        return b.tcp(spec).payload(data).build();
    };
    h.feed(seg("", 999, true, 0x02), 0);         // SYN
    h.feed(seg("", 4999, false, 0x12), 0.01);    // SYN-ACK
    const std::uint32_t c0 = 1000;
    h.feed(seg(invite.substr(0, 100), c0, true), 0.1);
    h.feed(seg(invite.substr(100, 200), c0 + 100, true), 0.2);
    h.feed(seg(invite.substr(300), c0 + 300, true), 0.3);
    h.feed(seg(ringing + ok, 5000, false), 1);  // two messages in one segment
    h.worker.end_source();

    auto stats = h.worker.stats();
    CHECK(stats.at("sip.messages") == 3);
    CHECK(stats.at("sip.tcp_streams") == 1);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].ingress.transport == "tcp");
    CHECK(h.sink.contacts[0].ingress.src_port == 40001);
    REQUIRE(h.sink.contacts[0].call->timeline.answer.has_value());
    CHECK(h.sink.contacts[0].call->media.size() == 1);
}

TEST_CASE("worker: HTTP on TCP port 5060 is not SIP") {
    WorkerHarness h;
    pcapgen::TcpSpec spec;
    spec.src_port = 5060;
    spec.dst_port = 80;
    spec.seq = 1;
    h.feed(PacketBuilder().ethernet().ipv4("192.0.2.1", "192.0.2.2").tcp(spec)
               .payload("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n").build(), 0);
    h.worker.end_source();
    CHECK(h.worker.stats().at("sip.messages") == 0);
    CHECK(h.worker.stats().at("sip.tcp_streams") == 0);
}

TEST_CASE("worker: a call's record is assembled when it ends, named after the source its INVITE came from") {
    WorkerHarness h;
    CallParties p;
    h.feed(udp_frame(testing::request(p, "INVITE", 1, false, testing::sdp_body())), 0);
    // A joined replay: the call goes on in the next file; its record names the first.
    h.worker.begin_source("second.pcap");
    CallParties later = p;
    later.call_id = "second-call@pc33.example.net";
    h.feed(udp_frame(testing::request(later, "INVITE", 1, false)), 1);
    h.feed(reply_frame(testing::response(p, 200, "OK", 1, "INVITE")), 2);
    h.feed(udp_frame(testing::request(p, "BYE", 2, true)), 40);
    REQUIRE(h.sink.contacts.size() == 1);
    const auto& call = h.sink.contacts[0];
    CHECK(call.source == "unit");
    CHECK(call.ts == seconds(1'700'000'040));
    CHECK(call.caller.user == "+84912345678");
    CHECK(call.caller.tag.empty());
    CHECK(call.callee.user == "+84241234567");
    CHECK(call.ingress.src.to_string() == "203.0.113.10");
    CHECK(call.ingress.transport == "udp");
    REQUIRE(call.call);
    CHECK(call.call->call_id == p.call_id);
    CHECK(call.call->server == "TestGW/2.0");
    CHECK(call.call->user_agent == "TestUA/1.0");
    REQUIRE(call.call->media.size() == 1);
    CHECK(call.call->media[0].port == 49170);
    CHECK(call.call->timeline.answer == seconds(1'700'000'002));

    // The ended call lingers: a retransmitted BYE is absorbed, not an orphan, and no second record.
    h.feed(udp_frame(testing::request(p, "BYE", 2, true)), 41);
    CHECK(h.sink.contacts.size() == 1);
    CHECK(h.worker.stats().at("sip.orphan_messages") == 0);
    h.worker.end_source();
    REQUIRE(h.sink.contacts.size() == 2);
    CHECK(h.sink.contacts[1].source == "second.pcap");
    CHECK(h.sink.contacts[1].call->end == record::CallEnd::capture_end);
}
