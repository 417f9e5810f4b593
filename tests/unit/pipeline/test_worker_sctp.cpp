// The worker on SIP over SCTP: user messages take the datagram path, so calls and SIP MESSAGE SMS
// are recorded like UDP ones, with ingress.transport "sctp".
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

struct SctpCollector final : record::ContactSink {
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

struct SctpWorkerHarness {
    std::ostringstream log_text;
    Logger log{log_text};
    SctpCollector sink;
    Worker worker{PipelineConfig{}, sink, log};
    std::uint64_t number = 0;
    std::uint32_t tsn[2] = {100, 900};

    SctpWorkerHarness() { worker.begin_source("unit"); }

    // One packet from the caller (or the gateway) with the given chunks.
    void send(bool from_caller, std::vector<pcapgen::SctpChunk> chunks, double at_seconds) {
        const auto frame = PacketBuilder()
                               .ethernet()
                               .ipv4(from_caller ? "203.0.113.10" : "198.51.100.1", from_caller ? "198.51.100.1" : "203.0.113.10")
                               .sctp({.verification_tag = from_caller ? 0x2222u : 0x1111u, .chunks = std::move(chunks)})
                               .build();
        capture::Packet packet;
        packet.ts = seconds(1'700'000'000 + at_seconds);
        packet.linktype = pcapgen::linktype::ethernet;
        packet.data = ByteView(frame.data(), frame.size());
        packet.wire_length = static_cast<std::uint32_t>(frame.size());
        packet.number = ++number;
        worker.on_packet(packet);
    }
    pcapgen::SctpChunk whole(bool from_caller, const std::string& text) {
        return pcapgen::sctp_data(tsn[from_caller ? 0 : 1]++, 0, 0, text);
    }
};

}  // namespace

TEST_CASE("worker: a call over SCTP, its INVITE fragmented, is one call record with transport sctp") {
    SctpWorkerHarness h;
    CallParties p;
    const std::string invite = testing::request(p, "INVITE", 1, false, testing::sdp_body());
    const std::size_t half = invite.size() / 2;
    namespace flags = pcapgen::sctp_flags;
    h.send(true, {pcapgen::sctp_data(101, 0, 0, invite.substr(half), flags::end)}, 0);
    h.send(true, {pcapgen::sctp_data(100, 0, 0, invite.substr(0, half), flags::begin)}, 0.01);
    h.tsn[0] = 102;
    h.send(false, {pcapgen::sctp_sack(101), h.whole(false, testing::response(p, 180, "Ringing", 1, "INVITE")),
                   h.whole(false, testing::response(p, 200, "OK", 1, "INVITE"))}, 1);
    h.send(true, {h.whole(true, testing::request(p, "ACK", 1, true))}, 2);
    h.send(true, {h.whole(true, testing::request(p, "BYE", 2, true))}, 30);
    h.send(false, {h.whole(false, testing::response(p, 200, "OK", 2, "BYE"))}, 30.1);
    h.worker.end_source();

    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->end == record::CallEnd::bye);
    CHECK(h.sink.contacts[0].ingress.transport == "sctp");
    CHECK(h.sink.contacts[0].ingress.src_port == 5060);
    const auto stats = h.worker.stats();
    CHECK(stats.values().at("sip.messages") == 6);
    CHECK(stats.values().at("sctp.messages") == 6);
    CHECK(stats.values().at("sctp.fragmented_messages") == 1);
    CHECK(stats.values().at("calls") == 1);
    CHECK(stats.values().at("decode.errors") == 0);
}

TEST_CASE("worker: a SIP MESSAGE over SCTP is an SMS record with transport sctp") {
    SctpWorkerHarness h;
    const std::string message =
        "MESSAGE sip:+84903002002@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/SCTP 203.0.113.10:5060;branch=z9hG4bK-s1\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:+84912345678@203.0.113.10>;tag=s1\r\nTo: <sip:+84903002002@198.51.100.1>\r\n"
        "Call-ID: sctp-sms-1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello there";
    h.send(true, {h.whole(true, message)}, 0);
    h.send(false, {h.whole(false,
                            "SIP/2.0 200 OK\r\nVia: SIP/2.0/SCTP 203.0.113.10:5060;branch=z9hG4bK-s1\r\n"
                            "From: <sip:+84912345678@203.0.113.10>;tag=s1\r\nTo: <sip:+84903002002@198.51.100.1>;tag=g\r\n"
                            "Call-ID: sctp-sms-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n")},
           0.1);
    h.worker.end_source();
    REQUIRE(h.sink.contacts.size() == 1);
    REQUIRE(h.sink.contacts[0].sms);
    CHECK(h.sink.contacts[0].sms->text == "hello there");
    CHECK(h.sink.contacts[0].ingress.transport == "sctp");
    CHECK(h.worker.stats().values().at("sip.message_requests") == 1);
}
