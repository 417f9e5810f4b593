// SIP over WebSocket and the large-body and lenient cases, through the whole worker: each call
// is recorded with the transport it came on, and the counters say what was seen.
#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include "pcapgen/packet_builder.h"
#include "pcapgen/websocket_builder.h"
#include "pipeline/worker.h"
#include "sip_texts.h"

using namespace scamgate;
using namespace scamgate::pipeline;
using pcapgen::PacketBuilder;
using pcapgen::websocket_frame;
using scamgate::testing::CallParties;

namespace {

constexpr std::array<std::uint8_t, 4> kMask{0xa1, 0x02, 0x5e, 0xf3};

struct Collector final : record::ContactSink {
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

// One TCP connection between a client (203.0.113.10) and a server (198.51.100.1:port).
class Connection {
public:
    Connection(std::uint16_t server_port, Worker& worker) : port_(server_port), worker_(worker) {}

    void handshake() {
        send(true, "", 0x02);
        send(false, "", 0x12);
        send(true, "", 0x10);
    }
    // Sends `data` in one segment (or in pieces of `step` bytes).
    void send(bool from_client, std::string_view data, std::uint8_t flags = 0x18, std::size_t step = 0) {
        if (step == 0) step = std::max<std::size_t>(data.size(), 1);
        for (std::size_t at = 0; at < std::max<std::size_t>(data.size(), 1); at += step) {
            segment(from_client, data.substr(std::min(at, data.size()), step), flags);
        }
    }

private:
    void segment(bool from_client, std::string_view data, std::uint8_t flags) {
        std::uint32_t& seq = from_client ? client_seq_ : server_seq_;
        pcapgen::TcpSpec spec{.src_port = from_client ? std::uint16_t{45000} : port_,
                              .dst_port = from_client ? port_ : std::uint16_t{45000},
                              .seq = seq,
                              .ack = from_client ? server_seq_ : client_seq_,
                              .flags = flags};
        auto b = PacketBuilder().ethernet();
        if (from_client) {
            b.ipv4("203.0.113.10", "198.51.100.1");
        } else {
            b.ipv4("198.51.100.1", "203.0.113.10");
        }
        if (!data.empty()) b.tcp(spec).payload(data);
        else b.tcp(spec);
        seq += static_cast<std::uint32_t>(data.size()) + ((flags & 0x03) ? 1u : 0u);
        const auto frame = b.build();
        capture::Packet packet;
        packet.ts = seconds(1'700'000'000) + static_cast<Timestamp>(++number_) * 1'000'000;
        packet.linktype = pcapgen::linktype::ethernet;
        packet.data = ByteView(frame.data(), frame.size());
        packet.wire_length = static_cast<std::uint32_t>(frame.size());
        packet.number = number_;
        worker_.on_packet(packet);
    }

    std::uint16_t port_;
    Worker& worker_;
    std::uint32_t client_seq_ = 1000;
    std::uint32_t server_seq_ = 9000;
    std::uint64_t number_ = 0;
};

struct Harness {
    explicit Harness(const PipelineConfig& config = {}) : worker(config, sink, log) { worker.begin_source("unit"); }
    std::ostringstream log_text;
    Logger log{log_text};
    Collector sink;
    Worker worker;
};

std::string ws(std::string_view sip, bool masked) {
    return websocket_frame(sip, {.mask = masked ? std::optional(kMask) : std::nullopt});
}

CallParties parties(std::string_view call_id) {
    CallParties p;
    p.call_id = call_id;
    return p;
}

}  // namespace

TEST_CASE("websocket: a call over an upgraded connection on a non-standard port is recorded as ws") {
    for (std::size_t step : {std::size_t{0}, std::size_t{7}}) {
        CAPTURE(step);
        Harness h;
        Connection c(8089, h.worker);
        const CallParties p = parties("ws-call-1@203.0.113.10");
        c.handshake();
        c.send(true, pcapgen::websocket_upgrade_request("198.51.100.1:8089", "/ws"), 0x18, step);
        c.send(false, pcapgen::websocket_upgrade_response(), 0x18, step);
        c.send(true, ws(testing::request(p, "INVITE", 1, false, testing::sdp_body()), true), 0x18, step);
        c.send(false, ws(testing::response(p, 180, "Ringing", 1, "INVITE"), false) +
                          ws(testing::response(p, 200, "OK", 1, "INVITE"), false));
        // The ACK in three continuation frames with a ping between them, then a CRLF keepalive.
        std::string ack;
        const auto parts = pcapgen::websocket_fragments(testing::request(p, "ACK", 1, true), 3, 0x1, kMask);
        ack = parts[0] + websocket_frame("hi", {.opcode = 0x9, .mask = kMask}) + parts[1] + parts[2];
        c.send(true, ack + ws("\r\n\r\n", true), 0x18, step);
        c.send(true, ws(testing::request(p, "BYE", 2, true), true));
        c.send(false, ws(testing::response(p, 200, "OK", 2, "BYE"), false));
        c.send(true, websocket_frame("\x03\xe8", {.opcode = 0x8, .mask = kMask}));
        c.send(true, "", 0x11);
        c.send(false, "", 0x11);
        h.worker.end_source();

        const auto stats = h.worker.stats();
        CHECK(stats.get("sip.websocket_streams") == 1);
        CHECK(stats.get("sip.tcp_streams") == 0);
        CHECK(stats.get("sip.messages") == 6);
        CHECK(stats.get("sip.websocket_messages") == 7);
        CHECK(stats.get("sip.keepalives") == 1);
        CHECK(stats.get("sip.parse_errors") == 0);
        REQUIRE(h.sink.contacts.size() == 1);
        const auto& call = h.sink.contacts[0];
        CHECK(call.ingress.transport == "ws");
        CHECK(call.ingress.dst_port == 8089);
        CHECK(call.call->call_id == p.call_id);
        CHECK(call.caller.user == p.from_user);
        CHECK(call.call->final_status == 200);
        CHECK(call.call->end == record::CallEnd::bye);
    }
}

TEST_CASE("websocket: a connection picked up mid-stream is found by its frames") {
    Harness h;
    Connection c(443, h.worker);
    const CallParties p = parties("ws-midstream@203.0.113.10");
    c.send(true, ws(testing::request(p, "INVITE", 1, false), true));
    c.send(false, ws(testing::response(p, 486, "Busy Here", 1, "INVITE"), false));
    h.worker.end_source();
    CHECK(h.worker.stats().get("sip.websocket_streams") == 1);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].ingress.transport == "ws");
    CHECK(h.sink.contacts[0].call->final_status == 486);
}

TEST_CASE("websocket: a capture that begins with the server's 101 is read as WebSocket") {
    Harness h;
    Connection c(8088, h.worker);
    const CallParties p = parties("ws-after-get@203.0.113.10");
    c.send(false, pcapgen::websocket_upgrade_response());
    c.send(true, ws(testing::request(p, "INVITE", 1, false), true));
    h.worker.end_source();
    CHECK(h.worker.stats().get("sip.websocket_streams") == 1);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].ingress.transport == "ws");
}

TEST_CASE("websocket: a refused Upgrade, and an Upgrade for another protocol, carry no SIP") {
    {
        Harness h;
        Connection c(8080, h.worker);
        c.handshake();
        c.send(true, pcapgen::websocket_upgrade_request("h", "/"));
        c.send(false, "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n");
        c.send(true, ws(testing::request(parties("refused@h"), "INVITE", 1, false), true));
        h.worker.end_source();
        const auto stats = h.worker.stats();
        CHECK(stats.get("anomaly.websocket.upgrade_refused") == 1);
        CHECK(stats.get("sip.messages") == 0);
        CHECK(h.sink.contacts.empty());
    }
    {
        Harness h;
        Connection c(8080, h.worker);
        c.handshake();
        c.send(true, pcapgen::websocket_upgrade_request("h", "/", "chat"));
        c.send(false, pcapgen::websocket_upgrade_response("chat"));
        c.send(true, ws("{\"hello\": 1}", true));
        h.worker.end_source();
        const auto stats = h.worker.stats();
        CHECK(stats.get("sip.websocket_streams") == 0);
        CHECK(stats.get("sip.messages") == 0);
    }
}

TEST_CASE("websocket: permessage-deflate negotiated: compressed messages are counted, plain ones read") {
    Harness h;
    Connection c(10080, h.worker);
    c.handshake();
    c.send(true, pcapgen::websocket_upgrade_request("h", "/", "sip", true));
    c.send(false, pcapgen::websocket_upgrade_response("sip", true));
    c.send(true, websocket_frame("\xf2\x48\xcd\xc9", {.rsv = 4, .mask = kMask}));
    c.send(true, ws(testing::request(parties("plain@h"), "INVITE", 1, false), true));
    h.worker.end_source();
    const auto stats = h.worker.stats();
    CHECK(stats.get("anomaly.websocket.compressed") == 1);
    CHECK(h.sink.contacts.size() == 1);
}

TEST_CASE("TCP: an INVITE with a 64 KiB SDP is recorded from its headers, the next message is framed") {
    Harness h;
    Connection c(5060, h.worker);
    const CallParties p = parties("big-sdp@203.0.113.10");
    std::string sdp = testing::sdp_body();
    while (sdp.size() < 65536) sdp += "a=candidate:1 1 UDP 2130706431 203.0.113.10 40000 typ host generation 0\r\n";
    c.handshake();
    c.send(true, testing::request(p, "INVITE", 1, false, sdp), 0x18, 1400);
    c.send(false, testing::response(p, 486, "Busy Here", 1, "INVITE"));
    c.send(true, testing::request(p, "ACK", 1, true));
    h.worker.end_source();
    const auto stats = h.worker.stats();
    CHECK(stats.get("anomaly.sip.body_too_large") == 1);
    CHECK(stats.get("anomaly.sip.message_too_large") == 0);
    CHECK(stats.get("anomaly.sip.stream_resync") == 0);
    CHECK(stats.get("sip.messages") == 3);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].call->call_id == p.call_id);
    CHECK(h.sink.contacts[0].call->final_status == 486);
    CHECK(h.sink.contacts[0].call->media.size() == 1);
}

TEST_CASE("UDP: a lower-case method and folded headers still make a call") {
    Harness h;
    const CallParties p = parties("lower@203.0.113.10");
    std::string invite = testing::request(p, "INVITE", 1, false);
    invite.replace(0, 6, "invite");
    invite.replace(invite.find("From: "), 6, "From:\r\n  ");
    const auto frame = PacketBuilder().ethernet().ipv4("203.0.113.10", "198.51.100.1").udp(5060, 5060).payload(invite).build();
    capture::Packet packet;
    packet.ts = seconds(1'700'000'000);
    packet.linktype = pcapgen::linktype::ethernet;
    packet.data = ByteView(frame.data(), frame.size());
    packet.wire_length = static_cast<std::uint32_t>(frame.size());
    packet.number = 1;
    h.worker.on_packet(packet);
    h.worker.end_source();
    CHECK(h.worker.stats().get("anomaly.sip.method_case") == 1);
    REQUIRE(h.sink.contacts.size() == 1);
    CHECK(h.sink.contacts[0].caller.user == p.from_user);
}
