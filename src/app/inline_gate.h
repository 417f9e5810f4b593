#pragma once
// Inline decisions (nfqueue and bridge modes), one packet at a time. The gate has the worker read
// the packet; the worker judges each contact once (an initial INVITE, a MESSAGE, an SMPP submit)
// and tells the gate what it read in this packet, with the verdict (pipeline::PacketEnforcer).
// The gate parses nothing itself. What an enforced action does (docs/policy.md):
//   SIP over UDP: drop drops the datagram; reject drops it and asks the caller to send the rule's
//   SIP final response back to the sender; tag forwards a copy with the policy's headers inserted
//   (and the display name prefixed), lengths and checksums recomputed. Every later request of a
//   call dropped or rejected (INVITE retransmissions, the ACK of our response, CANCEL) is dropped
//   too while the worker tracks the call.
//   SIP over TCP: a segment is never dropped (the connection carries other calls). drop and reject
//   rewrite the request's Max-Forwards to zeros (same length) so the next hop refuses it with 483;
//   for reject the 483 coming back on the connection gets the rule's status code and reason (fitted
//   into the same length). tag is not applied (alert only). An INVITE whose body goes on in later
//   segments is judged on its header block, in the segment that completes it; a MESSAGE when it is
//   whole. Only Max-Forwards digits carried by the segment in hand can be changed: otherwise the
//   request is left alone (counted inline.tcp_unsafe, its event says tcp_unsafe). The retry with
//   credentials of a refused call is refused the same way.
//   SIP over WebSocket: each WebSocket message is one SIP message, decided as over TCP: Max-Forwards
//   zeroed inside its frame (masked with the frame's key when the client masked it), the 483 coming
//   back rewritten inside its frame. Only a message of one frame wholly in the segment in hand can
//   be changed (a fragmented message, or a frame cut across segments: inline.tcp_unsafe).
//   SMPP (the worker's streams hold the bind's account and judge each single-part submit once): a
//   submit_sm / data_sm dropped or rejected gets an invalid dest_addr_ton (same length) so the SMSC
//   refuses it, and for reject its response (by sequence_number) gets the rule's smpp_status on the
//   way back. Only a PDU lying wholly in the verdicted segment can be changed (otherwise
//   inline.tcp_unsafe); tag and submit_multi are alerts only. A part of a concatenated SMS is
//   judged here on its own text.
//   SIP over SCTP: each user message (reassembled from DATA chunks by the worker) is judged; every
//   action is an alert only (a dropped chunk is retransmitted and then aborts the association),
//   counted as inline.not_applied.
// What the worker cannot read on a SIP or SMPP port (a UDP datagram on a SIP port that is not SIP
// and not a keepalive; a SIP message the parser refuses, on any transport; a decidable request
// without Call-ID; an SMPP PDU that does not parse) is handled as `inline.unparsed` says: allowed,
// alerted or (UDP only, enforce mode only) dropped; counted as inline.unparsed and reported as an
// event naming the anomaly.
// Everything else is accepted unchanged. Knows nothing about netfilter or libpcap.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/enforcement_ledger.h"
#include "app/inline_settings.h"
#include "capture/packet.h"
#include "common/bytes.h"
#include "common/latency.h"
#include "common/log.h"
#include "common/stats.h"
#include "common/time.h"
#include "detect/detector.h"
#include "net/flow.h"
#include "net/rewrite.h"
#include "output/events.h"
#include "pipeline/worker.h"
#include "policy/policy.h"
#include "policy/stage.h"

namespace scamgate::app {

enum class PacketVerdict : std::uint8_t { accept, drop };

// A SIP response to send: from `from` (the request's destination) to `to` (its source), over UDP.
struct InlineReply {
    net::FlowTuple tuple;  // src = where the reply comes from (the request's dst), dst = the requester
    std::string payload;
};

struct InlineDecision {
    PacketVerdict verdict = PacketVerdict::accept;
    std::optional<net::PacketBytes> rewritten;  // accept: forward these bytes (the whole IP datagram) instead
    std::optional<InlineReply> reply;
    std::string call_id;   // set when SIP was decided on (new decision or a remembered one)
    std::string action;    // the decided action ("" when nothing was decided for this packet)
    bool enforced = false;    // the action was carried out by this packet's verdict (as the gate decided it)
    // Each message newly decided in this packet, with why its action was not carried out (if so);
    // the loop hands them to settle() once the verdict is set.
    std::vector<DecidedMessage> decided;
    bool remembered = false;  // a later packet of a call already decided
    std::string unparsed;     // the anomaly when the packet was handled by inline.unparsed
};

// Receives the event of each unparsed packet (the daemon writes it to the events output).
using UnparsedReporter = std::function<void(const output::UnparsedEvent&)>;

class InlineGate {
public:
    InlineGate(const detect::Detector& detector, const policy::Policy& policy, const pipeline::PipelineConfig& config,
               const InlineSettings& settings = {});
    // The detector and policy are taken from `source` for each decision (reloadable); what the
    // gate remembers of blocked calls survives a change of snapshot.
    InlineGate(const policy::SnapshotSource& source, const pipeline::PipelineConfig& config,
               const InlineSettings& settings = {});
    // The daemon's gate: `worker` (not owned; its decider judges with `source` too) reads every
    // packet the gate is given, so the loops hand packets to the gate only, never to the worker.
    // The two constructors above give the gate a worker of its own (tests, fuzzing).
    InlineGate(const policy::SnapshotSource& source, pipeline::Worker& worker, const pipeline::PipelineConfig& config,
               const InlineSettings& settings = {});
    void report_unparsed_to(UnparsedReporter reporter);
    ~InlineGate();
    InlineGate(const InlineGate&) = delete;
    InlineGate& operator=(const InlineGate&) = delete;

    // `frame` is a whole frame of its link type (Ethernet with its VLAN tags, raw IP, ...): the
    // decision sees its encapsulation (a trunk defined by `vlans:` matches as it does for the
    // worker). `rewritten` is the IP datagram only; the caller puts it back in the frame. A frame
    // whose IP header cannot be located (net::ip_offset_in_frame) is accepted unchanged.
    InlineDecision on_packet(const capture::Packet& frame);
    // `ip` is a whole IPv4 or IPv6 datagram (no link header, no VLAN): NFQUEUE's packets.
    InlineDecision on_packet(ByteView ip, Timestamp now);
    // After the packet's verdict is set or its frame sent: `wire_ok` false when that failed (the
    // packet went on unchanged). Records the decisions in the ledger the detection stage reads,
    // then lets the worker's records of this packet go on (and its expiry sweeps run).
    void settle(const InlineDecision& decision, bool wire_ok);
    // Passive capture with active replies: nothing of the packet is carried out, nothing is
    // recorded; the worker's records of this packet go on.
    void settle_passive();
    // What was applied per message, for the detection stage (policy::DetectionStage::set_wire).
    policy::AppliedLookup& applied();
    // inline.packets, inline.sip_decided, inline.dropped, inline.rejected, inline.tagged,
    // inline.remembered_drops, inline.tcp_rewritten, inline.tcp_responses_rewritten,
    // inline.tcp_unsafe, inline.smpp_rewritten, inline.smpp_responses_rewritten, inline.not_applied,
    // inline.unparsed, inline.unparsed_dropped, inline.fragments, inline.ledger_evicted
    void append_stats(StatsReport& report) const;
    // IP fragments handed to the gate: inline, the kernel should reassemble before the queue.
    std::uint64_t fragments_seen() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The reply as an IPv4/IPv6 UDP datagram, ready to send or to inject in a frame.
net::PacketBytes reply_datagram(const InlineReply& reply);

// Hands `datagram` (a reply scamgate sent) to the worker as a packet of its own, so the call's
// record carries the response the caller got.
void record_sent(pipeline::Worker& worker, ByteView datagram, Timestamp ts, std::uint64_t number);

// One log line for a new decision that changed something on the wire (nothing for allow/alert
// and for the remembered later packets of a call already logged).
void log_decision(Logger& log, std::string_view mode, const InlineDecision& decision);

// The latency keys of the inline loops: inline.latency_p50_us, inline.latency_p99_us,
// inline.latency_max_us, inline.latency_samples.
void append_latency_stats(const LatencyHistogram& latency, StatsReport& stats);

// The SIP final response to `request` (a UDP datagram's text): Via, From, To (with `to_tag` added
// when it has none), Call-ID and CSeq copied, Content-Length 0. Empty when it does not parse.
std::string sip_final_response(std::string_view request, int status, std::string_view reason, std::string_view to_tag);

}  // namespace scamgate::app
