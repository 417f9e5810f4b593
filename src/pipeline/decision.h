#pragma once
// The hook between the worker's one decision and the inline loops: while the worker handles a
// packet for an inline loop, it tells the packet's enforcer (the inline gate) about each SIP
// request it read from that packet's datagram (UDP, or an SCTP user message) with the verdict its
// call or SMS carries, and about datagrams on a SIP port it could not read. The enforcer turns
// them into what happens to the packet (drop, a reply, a changed datagram) and records what was
// carried out. The worker never decides twice and the gate never parses a datagram itself.
#include <cstdint>
#include <string_view>

#include "net/decoder.h"
#include "record/contact.h"
#include "record/verdict.h"
#include "sip/message.h"
#include "smpp/pdu.h"

namespace scamgate::pipeline {

enum class WireRole : std::uint8_t {
    decision,   // the message the contact is judged on: an initial INVITE, a MESSAGE
    follow_up,  // a later request of a call already judged (retransmission, ACK, CANCEL, ...)
};

struct SipRequestOnWire {
    const sip::Message& message;
    std::string_view text;                   // the request as read (after any tolerated junk)
    const net::TransportPayload& datagram;   // the datagram or SCTP user message carrying it
    std::string_view call_id;
    const record::Verdict* verdict = nullptr;  // the contact's verdict; null when nothing judged it
    WireRole role = WireRole::decision;
};

// An SMPP PDU read in the current packet: an SMS-carrying request (`decision`; its part's record,
// judged unless it is one part of a concatenated SMS) or a response (`follow_up`).
struct SmppPduOnWire {
    const smpp::Pdu& pdu;
    ByteView bytes;            // the PDU as framed: a view into the packet when it lies in it
    net::FlowTuple tuple;      // the direction it travels
    const record::Contact* part = nullptr;    // decision: the SMS part's record
    const record::Verdict* verdict = nullptr;  // decision: its verdict; null when not judged yet
    WireRole role = WireRole::decision;
};

class PacketEnforcer {
public:
    virtual ~PacketEnforcer() = default;
    virtual void on_sip_request(const SipRequestOnWire& request) = 0;
    virtual void on_smpp_pdu(const SmppPduOnWire& pdu) = 0;
    // A datagram or SCTP user message on a SIP port that is not SIP (nor a keepalive), a SIP
    // message the parser refuses, an INVITE / MESSAGE without Call-ID, or an SMPP PDU that does
    // not parse: `anomaly` names why, `tuple` where it travelled.
    virtual void on_unreadable(std::string_view anomaly, const net::FlowTuple& tuple) = 0;
};

}  // namespace scamgate::pipeline
