#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "pcapgen/websocket_builder.h"
#include "sip/websocket.h"
#include "sip_test_util.h"

using namespace scamgate;
using namespace scamgate::sip;
using scamgate::pcapgen::websocket_frame;
using scamgate::pcapgen::websocket_fragments;
using scamgate::pcapgen::WsLength;

namespace {

constexpr std::array<std::uint8_t, 4> kMask{0x37, 0xfa, 0x21, 0x3d};

struct Recorder : WebSocketFramer::Sink {
    void on_message(std::string_view payload, bool cut) override {
        messages.emplace_back(payload);
        cuts.push_back(cut);
    }
    void on_anomaly(WebSocketAnomaly a) override { anomalies.push_back(a); }
    std::vector<std::string> messages;
    std::vector<bool> cuts;
    std::vector<WebSocketAnomaly> anomalies;
};

void feed(WebSocketFramer& framer, std::string_view bytes, Recorder& sink, std::size_t step = 0) {
    if (step == 0) step = bytes.size();
    for (std::size_t at = 0; at < bytes.size(); at += step) framer.feed(as_bytes(bytes.substr(at, step)), sink);
}

const std::string kInvite = test::alice_invite();
const std::string kRinging = test::bob_ringing();

}  // namespace

TEST_CASE("websocket: masked and unmasked frames with 7, 16 and 64-bit lengths, at any feed size") {
    std::string stream;
    stream += websocket_frame(kInvite, {.mask = kMask});                                  // 16-bit length
    stream += websocket_frame(kRinging, {.opcode = opcode::binary});                      // unmasked, binary
    stream += websocket_frame("\r\n\r\n", {.mask = kMask});                               // 7-bit keepalive
    stream += websocket_frame(kRinging, {.mask = kMask, .length = WsLength::bits64});     // 64-bit length
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{100}}) {
        CAPTURE(step);
        WebSocketFramer framer;
        Recorder sink;
        feed(framer, stream, sink, step);
        REQUIRE(sink.messages.size() == 4);
        CHECK(sink.messages[0] == kInvite);
        CHECK(sink.messages[1] == kRinging);
        CHECK(sink.messages[2] == "\r\n\r\n");
        CHECK(sink.messages[3] == kRinging);
        CHECK(sink.anomalies.empty());
        CHECK(framer.buffered() == 0);
    }
}

TEST_CASE("websocket: continuation frames are reassembled, control frames between them are skipped") {
    auto parts = websocket_fragments(kInvite, 4, opcode::text, kMask);
    REQUIRE(parts.size() == 4);
    std::string stream = parts[0] + websocket_frame("ping!", {.opcode = opcode::ping, .mask = kMask}) + parts[1] +
                         websocket_frame("", {.opcode = opcode::pong}) + parts[2] + parts[3];
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
        WebSocketFramer framer;
        Recorder sink;
        feed(framer, stream, sink, step);
        REQUIRE(sink.messages.size() == 1);
        CHECK(sink.messages[0] == kInvite);
        CHECK_FALSE(sink.cuts[0]);
        CHECK(sink.anomalies.empty());
    }
}

TEST_CASE("websocket: a close frame ends the direction") {
    WebSocketFramer framer;
    Recorder sink;
    const std::string stream = websocket_frame(kRinging) + websocket_frame("\x03\xe8", {.opcode = opcode::close}) +
                               websocket_frame(kInvite);
    feed(framer, stream, sink);
    CHECK(framer.closed());
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.anomalies == std::vector{WebSocketAnomaly::data_after_close});
}

TEST_CASE("websocket: protocol errors are counted and skipped, the framing kept") {
    WebSocketFramer framer;
    Recorder sink;
    std::string stream;
    stream += websocket_frame("reserved", {.opcode = 0x3});
    stream += websocket_frame("flagged", {.rsv = 2});
    stream += websocket_frame("orphan", {.opcode = opcode::continuation});
    stream += websocket_frame(std::string(200, 'p'), {.opcode = opcode::ping});
    stream += websocket_fragments(kInvite, 2, opcode::text, kMask)[0];  // interrupted by the next message
    stream += websocket_frame(kRinging, {.mask = kMask});
    feed(framer, stream, sink);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0] == kRinging);
    CHECK(sink.anomalies == std::vector{WebSocketAnomaly::reserved_opcode, WebSocketAnomaly::reserved_bits,
                                        WebSocketAnomaly::unexpected_continuation, WebSocketAnomaly::bad_control_frame,
                                        WebSocketAnomaly::interrupted_message});
}

TEST_CASE("websocket: permessage-deflate messages are counted as compressed and skipped") {
    WebSocketFramer framer;
    framer.set_deflate_negotiated(true);
    Recorder sink;
    auto compressed = websocket_fragments("\xf2\x48\xcd\xc9\xc9\x07\x00 not really", 2, opcode::text, kMask);
    compressed[0][0] = static_cast<char>(compressed[0][0] | 0x40);  // RSV1 on the first frame only
    feed(framer, compressed[0] + compressed[1] + websocket_frame(kRinging), sink);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0] == kRinging);
    CHECK(sink.anomalies == std::vector{WebSocketAnomaly::compressed});
}

TEST_CASE("websocket: bounds on message size and frames per message cut the message, which is still handed on") {
    WebSocketLimits limits;
    limits.max_message_size = 256;
    limits.max_frames_per_message = 3;
    {
        WebSocketFramer framer(limits);
        Recorder sink;
        feed(framer, websocket_frame(kInvite, {.mask = kMask}) + websocket_frame(kRinging.substr(0, 200)), sink, 50);
        REQUIRE(sink.messages.size() == 2);
        CHECK(sink.messages[0] == kInvite.substr(0, 256));
        CHECK(sink.cuts[0]);
        CHECK(sink.messages[1] == kRinging.substr(0, 200));
        CHECK_FALSE(sink.cuts[1]);
        CHECK(sink.anomalies == std::vector{WebSocketAnomaly::message_too_large});
        CHECK(framer.buffered() == 0);
    }
    {
        WebSocketFramer framer(limits);
        Recorder sink;
        std::string stream;
        for (const auto& part : websocket_fragments(kRinging.substr(0, 100), 10, opcode::text, std::nullopt)) stream += part;
        feed(framer, stream + websocket_frame("\r\n"), sink);
        REQUIRE(sink.messages.size() == 2);
        CHECK(sink.messages[0] == kRinging.substr(0, 30));
        CHECK(sink.cuts[0]);
        CHECK(sink.messages[1] == "\r\n");
        CHECK(sink.anomalies == std::vector{WebSocketAnomaly::too_many_frames});
    }
}

TEST_CASE("websocket: after a gap the framer resynchronises on the next frame carrying SIP") {
    WebSocketFramer framer;
    Recorder sink;
    const std::string first = websocket_frame(kInvite, {.mask = kMask});
    feed(framer, std::string_view(first).substr(0, 100), sink);
    framer.on_gap(sink);
    // The rest of the lost frame, then a whole one, in one feed; then another feed.
    feed(framer, first.substr(300) + websocket_frame(kRinging, {.mask = kMask}), sink);
    feed(framer, websocket_frame(kInvite), sink);
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[0] == kRinging);
    CHECK(sink.messages[1] == kInvite);
    CHECK(sink.anomalies == std::vector{WebSocketAnomaly::framing_lost});
}

TEST_CASE("websocket: a 64-bit length with its top bit set loses the framing") {
    WebSocketFramer framer;
    Recorder sink;
    const std::string bad("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x10", 10);
    feed(framer, bad + websocket_frame(kRinging), sink);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.anomalies == std::vector{WebSocketAnomaly::bad_length});
}

TEST_CASE("websocket: probe for a frame carrying SIP") {
    CHECK(probe_sip_frame(as_bytes(websocket_frame(kInvite, {.mask = kMask}))) == ProbeResult::yes);
    CHECK(probe_sip_frame(as_bytes(websocket_frame(kRinging, {.opcode = opcode::binary}))) == ProbeResult::yes);
    CHECK(probe_sip_frame(as_bytes(websocket_fragments(kInvite, 3, opcode::text, kMask)[0])) == ProbeResult::yes);
    const std::string whole = websocket_frame(kInvite, {.mask = kMask});
    CHECK(probe_sip_frame(as_bytes(std::string_view(whole).substr(0, 10))) == ProbeResult::need_more);
    CHECK(probe_sip_frame(as_bytes(websocket_frame("hello, not SIP\r\n"))) == ProbeResult::no);
    CHECK(probe_sip_frame(as_bytes(websocket_frame(kInvite, {.opcode = opcode::ping}))) == ProbeResult::no);
    CHECK(probe_sip_frame(as_bytes(websocket_frame(kInvite, {.rsv = 4}))) == ProbeResult::no);
    CHECK(probe_sip_frame(as_bytes(std::string_view(kInvite))) == ProbeResult::no);
    CHECK(probe_sip_frame(as_bytes(std::string_view("\x00\x00\x00\x10", 4))) == ProbeResult::no);
}

TEST_CASE("websocket: the HTTP Upgrade asking for SIP, and the server's answer") {
    HttpHead head;
    const std::string request = pcapgen::websocket_upgrade_request("192.0.2.2:8080", "/sip", "sip", true);
    const std::string with_frame = request + "\x81\x05hello";
    REQUIRE(read_http_head(with_frame, 8192, head) == HeadStatus::ok);
    CHECK(head.length == request.size());
    CHECK(is_sip_websocket_upgrade(head));
    CHECK(head.permessage_deflate);
    CHECK(read_http_head(std::string_view(request).substr(0, 40), 8192, head) == HeadStatus::incomplete);
    CHECK(read_http_head(request, 100, head) == HeadStatus::invalid);

    const std::string odd_case =
        "get /ws HTTP/1.1\nhost: x\nUPGRADE: WebSocket\nsec-websocket-protocol: chat, SIP ; q=1\n\n";
    REQUIRE(read_http_head(odd_case, 8192, head) == HeadStatus::ok);
    CHECK(is_sip_websocket_upgrade(head));
    CHECK_FALSE(head.permessage_deflate);

    const std::string chat = pcapgen::websocket_upgrade_request("h", "/", "chat");
    REQUIRE(read_http_head(chat, 8192, head) == HeadStatus::ok);
    CHECK_FALSE(is_sip_websocket_upgrade(head));
    REQUIRE(read_http_head("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 8192, head) == HeadStatus::ok);
    CHECK_FALSE(is_sip_websocket_upgrade(head));

    const std::string answer = pcapgen::websocket_upgrade_response("sip", true);
    REQUIRE(read_http_head(answer, 8192, head) == HeadStatus::ok);
    CHECK_FALSE(head.is_request);
    CHECK(head.status == 101);
    CHECK(head.sip_protocol);
    CHECK(head.permessage_deflate);
    REQUIRE(read_http_head("HTTP/1.1 426 Upgrade Required\r\n\r\n", 8192, head) == HeadStatus::ok);
    CHECK(head.status == 426);

    CHECK(read_http_head("INVITE sip:a@b SIP/2.0\r\n\r\n", 8192, head) == HeadStatus::invalid);
    CHECK(read_http_head("\x16\x03\x01\x02", 8192, head) == HeadStatus::invalid);
    CHECK(may_be_http_get("GE"));
    CHECK(may_be_http_get("get /"));
    CHECK_FALSE(may_be_http_get("INVITE"));
    CHECK(may_be_http_response("HTTP/1.1 101"));
}

TEST_CASE("websocket: anomaly names are stable") {
    CHECK(describe(WebSocketAnomaly::compressed).name == "websocket.compressed");
    CHECK(describe(WebSocketAnomaly::framing_lost).name == "websocket.framing_lost");
    for (int i = 0; i < static_cast<int>(WebSocketAnomaly::count_); ++i) {
        CHECK(describe(static_cast<WebSocketAnomaly>(i)).name.starts_with("websocket."));
    }
}

TEST_CASE("websocket: probe past leading ping and pong frames") {
    const std::string ping = websocket_frame("k", {.opcode = opcode::ping, .mask = kMask});
    const std::string pong = websocket_frame("", {.opcode = opcode::pong});
    CHECK(probe_sip_frames(as_bytes(ping + pong + websocket_frame(kInvite, {.mask = kMask}))) == ProbeResult::yes);
    CHECK(probe_sip_frames(as_bytes(std::string_view(ping).substr(0, 3))) == ProbeResult::need_more);
    CHECK(probe_sip_frames(as_bytes(ping + websocket_frame("not sip\r\n"))) == ProbeResult::no);
    CHECK(probe_sip_frames(as_bytes(websocket_frame("x", {.opcode = opcode::close}) + websocket_frame(kInvite))) ==
          ProbeResult::no);
}

namespace {

// Records, for each message, where the current feed carries its payload.
struct PlacementRecorder : WebSocketFramer::Sink {
    explicit PlacementRecorder(const WebSocketFramer& f) : framer(f) {}
    void on_message(std::string_view payload, bool /*cut*/) override {
        placements.push_back(framer.payload_in_feed());
        sizes.push_back(payload.size());
    }
    void on_anomaly(WebSocketAnomaly /*a*/) override {}
    const WebSocketFramer& framer;
    std::vector<std::optional<WebSocketFramer::PayloadInFeed>> placements;
    std::vector<std::size_t> sizes;
};

}  // namespace

TEST_CASE("websocket: a one-frame message wholly in the feed says where its payload is, with its mask") {
    const std::string masked = websocket_frame(kInvite, {.mask = kMask});
    const std::string plain = websocket_frame(kRinging);
    const std::string stream = masked + plain;
    WebSocketFramer framer;
    PlacementRecorder sink(framer);
    framer.feed(as_bytes(stream), sink);
    REQUIRE(sink.placements.size() == 2);
    REQUIRE(sink.placements[0]);
    const auto& first = *sink.placements[0];
    CHECK(first.payload.size() == kInvite.size());
    CHECK(reinterpret_cast<const char*>(first.payload.data()) == stream.data() + masked.size() - kInvite.size());
    REQUIRE(first.mask);
    CHECK(*first.mask == kMask);
    REQUIRE(sink.placements[1]);
    CHECK_FALSE(sink.placements[1]->mask);
    CHECK(reinterpret_cast<const char*>(sink.placements[1]->payload.data()) == stream.data() + stream.size() - kRinging.size());
}

TEST_CASE("websocket: a fragmented message or a frame cut across feeds has no place in the feed") {
    const auto parts = websocket_fragments(kInvite, 2, opcode::text, kMask);
    const std::string cut = websocket_frame(kRinging, {.mask = kMask});
    WebSocketFramer framer;
    PlacementRecorder sink(framer);
    framer.feed(as_bytes(parts[0] + parts[1]), sink);   // two frames, one feed
    framer.feed(as_bytes(std::string_view(cut).substr(0, 30)), sink);
    framer.feed(as_bytes(std::string_view(cut).substr(30)), sink);
    REQUIRE(sink.placements.size() == 2);
    CHECK(sink.sizes[0] == kInvite.size());
    CHECK_FALSE(sink.placements[0]);
    CHECK(sink.sizes[1] == kRinging.size());
    CHECK_FALSE(sink.placements[1]);
}
