#pragma once
// The protocol-neutral record of one contact attempt: a call (from SIP) or, later, an SMS (from
// SMPP or SIP MESSAGE). detect/ and policy/ read only this, never protocol bytes. Everything is
// owned (std::string): a record outlives the packets it was built from.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/time.h"
#include "net/flow.h"

namespace scamgate::record {

enum class ContactKind : std::uint8_t { call, sms };

// An identity as presented in one header: display name, URI, and the user part (the number).
struct Party {
    std::string display;
    std::string uri;
    std::string user;   // sip user or tel number as sent, e.g. "+84912345678"
    std::string host;
    std::string tag;    // From/To tag, if any
    bool user_is_phone = false;
};

// Where the contact entered: the addresses of the packet that started it, and its encapsulation.
struct Ingress {
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::string transport;  // "udp" or "tcp"
    std::vector<std::uint16_t> vlans;
    net::TunnelKind tunnel = net::TunnelKind::none;
    IpAddress tunnel_src;
    IpAddress tunnel_dst;
    std::uint32_t tunnel_id = 0;
};

struct Via {
    std::string transport;
    std::string host;
    std::uint16_t port = 0;
    std::string branch;
};

struct MediaEndpoint {
    std::string type;     // audio, video, image
    std::string address;  // c= address that applies to this m= line
    std::uint16_t port = 0;
    std::string protocol;
};

// How a call attempt ended.
enum class CallEnd : std::uint8_t {
    bye,           // answered, then BYE
    cancel,        // caller cancelled before an answer
    rejected,      // final response >= 300
    timeout,       // no final answer, or no BYE, within the configured time
    capture_end,   // still open when the capture ended
    evicted,       // dropped to make room in a full dialog table
};

const char* call_end_name(CallEnd end);

struct CallTimeline {
    Timestamp invite = 0;
    std::optional<Timestamp> first_provisional;
    int first_provisional_status = 0;
    std::optional<Timestamp> ringing;   // first 180/183
    std::optional<Timestamp> answer;    // first 2xx to the INVITE
    Timestamp end = 0;
};

struct CallDetails {
    std::string call_id;
    std::string request_uri;
    Party from;
    Party to;
    std::vector<Party> p_asserted_identity;
    std::vector<Party> p_preferred_identity;
    std::vector<Party> remote_party_id;
    std::vector<Party> diversion;
    std::vector<Party> history_info;
    std::string privacy;
    bool has_identity_header = false;   // RFC 8224 Identity (STIR/SHAKEN)
    std::string contact;
    std::optional<Via> via_first;       // top Via: the last hop that sent the INVITE
    std::optional<Via> via_last;        // bottom Via: the originating hop
    std::size_t via_count = 0;
    std::string user_agent;
    std::string server;                 // from the responses
    std::optional<int> max_forwards;
    std::string content_type;
    std::vector<MediaEndpoint> media;
    CallTimeline timeline;
    int final_status = 0;               // 0: no final response seen
    std::string final_reason;
    CallEnd end = CallEnd::timeout;
    std::uint32_t messages = 0;         // SIP messages of this Call-ID seen while it was tracked
    std::uint32_t invite_retransmissions = 0;
    std::uint32_t reinvites = 0;
};

struct Contact {
    ContactKind kind = ContactKind::call;
    Timestamp ts = 0;      // when the record was completed
    Party caller;          // as presented: From for calls
    Party callee;          // as presented: Request-URI user (To as fallback) for calls
    Ingress ingress;
    std::string source;    // capture source name (file or interface)
    std::optional<CallDetails> call;
};

// Where finished records go (the output stage implements it; the pipeline only knows this).
class ContactSink {
public:
    virtual ~ContactSink() = default;
    virtual void on_contact(const Contact& contact) = 0;
};

}  // namespace scamgate::record
