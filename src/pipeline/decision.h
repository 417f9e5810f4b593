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
#include "record/verdict.h"
#include "sip/message.h"

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

class PacketEnforcer {
public:
    virtual ~PacketEnforcer() = default;
    virtual void on_sip_request(const SipRequestOnWire& request) = 0;
    // A datagram or SCTP user message on a SIP port that is not SIP (nor a keepalive), a SIP
    // message the parser refuses, or an INVITE / MESSAGE without Call-ID: `anomaly` names why.
    virtual void on_unreadable_sip(std::string_view anomaly, const net::TransportPayload& datagram) = 0;
};

}  // namespace scamgate::pipeline
