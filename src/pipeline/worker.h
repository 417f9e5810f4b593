#pragma once
// One worker owns all per-flow state (fragments, TCP streams, SCTP associations, SIP dialogs, SMS
// in progress) for the flows sharded to it, so nothing in it needs a lock. Replay and run use one,
// or several each given the packets whose outermost IP pair hashes to it (replay --workers N:
// app/sharded_pipeline.cpp; run --workers N: one NFQUEUE queue or AF_PACKET fanout socket per
// worker, daemon/run.cpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "common/log.h"
#include "common/stats.h"
#include "net/decoder.h"
#include "net/sctp.h"
#include "net/tcp_reassembly.h"
#include "pipeline/call_tracker.h"
#include "pipeline/decision.h"
#include "pipeline/smpp_flow.h"
#include "pipeline/sms_tracker.h"
#include "record/contact.h"
#include "sip/message.h"
#include "sip/websocket.h"

namespace scamgate::pipeline {

struct SipDetection {
    std::vector<std::uint16_t> ports = {5060, 5061};  // well-known SIP ports (junk there is counted)
    bool any_port = true;                             // also find SIP on other ports by its start line
    std::size_t junk_window = 64;                     // bytes of junk tolerated before a start line
    std::size_t stream_probe_window = 8192;           // TCP bytes examined before deciding "not SIP"
};

struct PipelineConfig {
    net::NetLimits net;
    net::TcpLimits tcp;
    net::SctpLimits sctp;
    sip::ParserLimits sip_parser;
    SipDetection sip;
    // SIP over WebSocket: frames per message and the handshake's size (the message size is
    // sip_parser.max_message_size; websocket_limits() below fills it in).
    sip::WebSocketLimits websocket;
    CallTrackerLimits calls;
    SmppSettings smpp;
    SmsLimits sms;
    Timestamp housekeeping_interval = seconds(1);
};

// The WebSocket limits in force: `config.websocket` with sip_parser's max_message_size.
sip::WebSocketLimits websocket_limits(const PipelineConfig& config);

// One worker's share of `whole` when `workers` workers run side by side: each table bound (calls,
// TCP connections, SCTP associations, fragment trains, SMS awaiting responses or parts, and the
// bytes held across them) divided among the workers (rounded up, at least 1), so the process as
// a whole holds what the configuration says. Bounds per item (a message's size, the bytes held
// per connection direction) and timeouts are unchanged.
PipelineConfig share_of(const PipelineConfig& whole, std::size_t workers);

class Worker {
public:
    // `decider` (optional, not owned, must outlive the worker) judges each call at its initial
    // INVITE and each single-part SMS at its PDU or MESSAGE; the records reach `sink` with that
    // verdict. Without one, records reach `sink` undecided.
    Worker(const PipelineConfig& config, record::ContactSink& sink, Logger& log,
           record::ContactDecider* decider = nullptr);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Names the capture source (file or interface) for logs and records.
    void begin_source(const std::string& name);
    void on_packet(const capture::Packet& packet);
    // Inline: the packet is handled as above, and each SIP request read from its datagram (UDP,
    // SCTP) is told to `enforcer` with its contact's verdict (pipeline/decision.h). Records finished
    // meanwhile are held, and the expiry sweeps wait, until settle_packet().
    void on_packet(const capture::Packet& packet, PacketEnforcer& enforcer);
    // After the packet's verdict is set: the held records go on, then the expiry sweeps run.
    void settle_packet(Timestamp now);
    // Ends the source: closes TCP streams and ends open calls (end reason capture_end).
    void end_source();
    // For a worker fed one shard of a capture (replay --workers N), a packet at `ts` that went to
    // another worker: advance_clock counts ts as seen (the end time of calls still open at
    // end_source), housekeep_at also runs the timeouts that packet ran there. So timeouts fire
    // and calls end at the same packet times whatever the sharding.
    void advance_clock(Timestamp ts);
    void housekeep_at(Timestamp now);

    StatsReport stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scamgate::pipeline
