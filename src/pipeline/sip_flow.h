#pragma once
// SIP on transports: the per-datagram probe and parse for UDP, a per-connection handler that
// probes a TCP stream for SIP and frames its messages, and one for SIP over WebSocket (RFC 7118)
// that reads the Upgrade handshake and hands each WebSocket message on like a datagram.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/anomaly.h"
#include "common/stats.h"
#include "net/tcp_reassembly.h"
#include "pipeline/call_tracker.h"
#include "pipeline/decision.h"
#include "pipeline/stream_probe.h"
#include "sip/message.h"
#include "sip/stream_framer.h"
#include "sip/websocket.h"

namespace scamgate::pipeline {

struct SipDetection;

// Counters for everything SIP the pipeline sees, shared by the UDP and TCP paths of one worker.
struct SipCounters {
    std::uint64_t messages = 0;
    std::uint64_t requests = 0;
    std::uint64_t responses = 0;
    std::uint64_t parse_errors = 0;
    std::uint64_t keepalives = 0;
    std::uint64_t non_sip_on_sip_port = 0;
    std::uint64_t tcp_streams = 0;
    std::uint64_t websocket_streams = 0;      // TCP connections read as SIP over WebSocket
    std::uint64_t websocket_messages = 0;     // WebSocket messages handed to the SIP parser
    std::uint64_t websocket_non_sip = 0;      // WebSocket messages without a SIP start line
    AnomalyCounts<sip::SipAnomaly> anomalies;
    AnomalyCounts<sip::WebSocketAnomaly> websocket_anomalies;

    void append_to(StatsReport& report) const;
};

// Where a message handed on was read: its text, and the bytes of the current packet that carry it
// (for inline enforcement).
struct MessageRead {
    std::string_view text;
    TextOnWire wire;
    // SIP over TCP: the verdict given on this message's head (SipMessageSink::on_sip_head), which
    // the message keeps instead of being judged again.
    const record::Verdict* head_verdict = nullptr;
    // SIP over TCP: this message's head was handed on (on_sip_head) while its body was to come.
    bool head_seen = false;
};

// What the SIP path hands on: a parsed message with its origin, and anomalies to log.
class SipMessageSink {
public:
    virtual ~SipMessageSink() = default;
    virtual void on_sip_message(const sip::Message& message, const MessageOrigin& origin, const MessageRead& read) = 0;
    // SIP over TCP: the header block of a message whose body is still to come. A request can be
    // judged on it while the segment that completes it is in hand; the verdict returned comes back
    // with the whole message (MessageRead::head_verdict), or with the head alone when the body is
    // lost (gap, connection end).
    virtual std::optional<record::Verdict> on_sip_head(const sip::Message& /*head*/, const MessageOrigin& /*origin*/,
                                                       const MessageRead& /*read*/) {
        return std::nullopt;
    }
    // A message on a stream (TCP, WebSocket) that could not be read: `anomaly` says why.
    virtual void on_sip_unreadable(sip::SipAnomaly /*anomaly*/, const net::FlowTuple& /*tuple*/) {}
    virtual void on_sip_anomaly(sip::SipAnomaly anomaly) = 0;
    virtual void on_websocket_anomaly(sip::WebSocketAnomaly anomaly) = 0;
};

// What one datagram was: SIP; not SIP (on a port that is not a SIP port); not SIP on a SIP port
// (junk); a keepalive; or SIP the parser refused (last_error() names why).
enum class DatagramOutcome : std::uint8_t { sip, not_sip, not_sip_on_sip_port, keepalive, parse_error };

class SipDatagramPath {
public:
    SipDatagramPath(const SipDetection& detection, const sip::ParserLimits& limits, SipCounters& counters,
                    SipMessageSink& sink);
    DatagramOutcome on_datagram(const net::TransportPayload& datagram);
    bool is_sip_port(std::uint16_t port) const;
    // Why the last datagram whose outcome was parse_error was refused.
    sip::SipAnomaly last_error() const { return last_error_; }
    // Where the last SIP message handed on started in its datagram (after tolerated junk).
    std::size_t last_start() const { return last_start_; }

private:
    const SipDetection& detection_;
    sip::ParserLimits limits_;
    SipCounters& counters_;
    SipMessageSink& sink_;
    sip::Message message_;  // reused: keeps its header capacity between datagrams
    sip::SipAnomaly last_error_ = sip::SipAnomaly::bad_start_line;
    std::size_t last_start_ = 0;
};

// How a TCP connection's first bytes (one direction's) carry SIP: a WebSocket when they are an
// HTTP GET asking for the Upgrade with Sec-WebSocket-Protocol sip (or the server's 101 naming sip,
// when the capture began after the GET), or (a connection picked up mid-stream) a WebSocket frame
// carrying a SIP start line; plain SIP otherwise. nullopt: an HTTP head or a frame not yet
// complete, unless `final`.
std::optional<StreamProtocol> sip_stream_choice(std::string_view first_bytes, bool final,
                                                const sip::WebSocketLimits& limits);

// One TCP connection: each direction is probed for a SIP start line, then framed.
class SipStreamHandler final : public net::StreamHandler {
public:
    SipStreamHandler(const SipDetection& detection, const sip::ParserLimits& limits, SipCounters& counters,
                     SipMessageSink& sink, const net::TcpConnectionInfo& info, const net::Encapsulation& encap);
    ~SipStreamHandler() override;

    void on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) override;
    void on_gap(net::Direction dir, std::size_t missing) override;
    void on_close() override;

private:
    enum class Verdict : std::uint8_t { undecided, sip, not_sip };
    struct DirectionState;

    DirectionState& state(net::Direction dir);
    void probe(DirectionState& side, std::string_view bytes, const net::SegmentMeta& meta);
    void feed(DirectionState& side, std::string_view bytes, const net::SegmentMeta& meta);
    void count_sip_stream(DirectionState& side);

    const SipDetection& detection_;
    SipCounters& counters_;
    std::array<std::unique_ptr<DirectionState>, 2> sides_;
    bool counted_as_sip_ = false;
};

// One TCP connection carrying SIP over WebSocket. Each direction starts with its HTTP head (the
// client's GET, the server's 101) when it has one, then frames; every WebSocket message is parsed
// as one SIP message (datagram framing: the WebSocket message bounds it). A refused Upgrade (a
// status other than 101) ends both directions. Messages are recorded with transport "ws".
class SipWebSocketHandler final : public net::StreamHandler {
public:
    SipWebSocketHandler(const SipDetection& detection, const sip::ParserLimits& limits,
                        const sip::WebSocketLimits& ws_limits, SipCounters& counters, SipMessageSink& sink,
                        const net::TcpConnectionInfo& info, const net::Encapsulation& encap);
    ~SipWebSocketHandler() override;

    void on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) override;
    void on_gap(net::Direction dir, std::size_t missing) override;

private:
    struct Side;

    Side& side(net::Direction dir);
    void read_head(Side& side, ByteView bytes);
    void on_head(Side& side, const sip::HttpHead& head);

    SipCounters& counters_;
    std::array<std::unique_ptr<Side>, 2> sides_;
    bool refused_ = false;
};

}  // namespace scamgate::pipeline
