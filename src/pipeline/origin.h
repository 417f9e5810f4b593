#pragma once
// Where and when a message (SIP or SMPP) was seen, and the record fields that follow from it.
#include <cstdint>
#include <string_view>

#include "common/time.h"
#include "net/flow.h"
#include "record/contact.h"

namespace scamgate::pipeline {

// What carried the message on top of the IP protocol: nothing (UDP, TCP) or a WebSocket (TCP).
enum class Carrier : std::uint8_t { direct, websocket };

struct MessageOrigin {
    Timestamp ts = 0;
    net::FlowTuple tuple;
    net::Encapsulation encap;
    std::uint64_t packet_number = 0;
    Carrier carrier = Carrier::direct;
};

record::Ingress ingress_from(const MessageOrigin& origin);

// A SIP name-addr or addr-spec header value as a record party (the raw value as uri when it does
// not parse).
record::Party party_from(std::string_view header_value);
// The same into an existing party, reusing its strings' storage (every field is assigned).
void assign_party(record::Party& party, std::string_view header_value);

}  // namespace scamgate::pipeline
