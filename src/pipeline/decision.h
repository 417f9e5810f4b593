#pragma once
// The hook between the worker's one decision and the inline loops: while the worker handles a
// packet for an inline loop, it tells the packet's enforcer (the inline gate) about each SIP
// request it read from that packet (a UDP datagram, an SCTP user message, a TCP stream or a
// WebSocket frame) with the verdict its call or SMS carries, about each SIP response it read from a
// stream, about each SMPP PDU, and about what it could not read. The enforcer turns them into what
// happens to the packet (drop, a reply, changed bytes) and records what was carried out. The
// worker never decides twice and the gate never parses a packet itself.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "net/decoder.h"
#include "pipeline/origin.h"
#include "record/contact.h"
#include "record/verdict.h"
#include "sip/message.h"
#include "smpp/pdu.h"

namespace scamgate::pipeline {

enum class WireRole : std::uint8_t {
    decision,   // the message the contact is judged on: an initial INVITE, a MESSAGE
    follow_up,  // a later request of a call already judged (retransmission, ACK, CANCEL, ...)
    response,   // a response read from a stream (TCP, WebSocket), of any call
};

// The bytes of the current packet that carry (part of) a SIP message's text, for an enforcer that
// changes some of them in place (same length): wire[k] carries text[text_offset + k], XORed with
// mask[(k + mask_phase) % 4] when the message travels in a masked WebSocket frame. Empty when no
// byte of the text is in this packet's feed (it was buffered from earlier segments).
struct TextOnWire {
    ByteView wire;
    std::size_t text_offset = 0;
    std::optional<std::array<std::uint8_t, 4>> mask;
    std::size_t mask_phase = 0;

    // The packet bytes carrying text[at, at + length), when all of them are in `wire`.
    std::optional<ByteView> bytes_of(std::size_t at, std::size_t length) const {
        if (at < text_offset || at - text_offset > wire.size() || length > wire.size() - (at - text_offset)) {
            return std::nullopt;
        }
        return wire.subspan(at - text_offset, length);
    }
};

// A SIP message read from the current packet: a request with its contact's verdict, or (read from a
// stream) a response.
struct SipMessageOnWire {
    const sip::Message& message;
    std::string_view text;     // the message as read (after any tolerated junk); over TCP, maybe just its head
    net::FlowTuple tuple;      // the direction it travels
    Carrier carrier = Carrier::direct;
    TextOnWire wire;
    std::string_view call_id;
    const record::Verdict* verdict = nullptr;  // a request's contact's verdict; null when nothing judged it
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
    virtual void on_sip_message(const SipMessageOnWire& message) = 0;
    virtual void on_smpp_pdu(const SmppPduOnWire& pdu) = 0;
    // A datagram or SCTP user message on a SIP port that is not SIP (nor a keepalive), a SIP
    // message the parser refuses, an INVITE / MESSAGE without Call-ID, or an SMPP PDU that does
    // not parse: `anomaly` names why, `tuple` where it travelled.
    virtual void on_unreadable(std::string_view anomaly, const net::FlowTuple& tuple) = 0;
};

}  // namespace scamgate::pipeline
