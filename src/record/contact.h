#pragma once
// The protocol-neutral record of one contact attempt: a call (from SIP) or an SMS (from SMPP or
// SIP MESSAGE). detect/ and policy/ read only this, never protocol bytes. Everything is
// owned (std::string): a record outlives the packets it was built from.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/time.h"
#include "net/flow.h"
#include "record/verdict.h"

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

    bool operator==(const Party&) const = default;
};

// Where the contact entered: the addresses of the packet that started it, and its encapsulation.
struct Ingress {
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::string transport;  // "udp", "tcp", "sctp", or "ws" (SIP over WebSocket on TCP)
    std::vector<std::uint16_t> vlans;
    net::TunnelKind tunnel = net::TunnelKind::none;
    IpAddress tunnel_src;
    IpAddress tunnel_dst;
    std::uint32_t tunnel_id = 0;

    bool operator==(const Ingress&) const = default;
};

struct Via {
    std::string transport;
    std::string host;
    std::uint16_t port = 0;
    std::string branch;

    bool operator==(const Via&) const = default;
};

struct MediaEndpoint {
    std::string type;     // audio, video, image
    std::string address;  // c= address that applies to this m= line
    std::uint16_t port = 0;
    std::string protocol;

    bool operator==(const MediaEndpoint&) const = default;
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

    bool operator==(const CallTimeline&) const = default;
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

    bool operator==(const CallDetails&) const = default;
};

// An SMS address as sent: digits (or text for alphanumeric senders) with TON/NPI where the
// protocol carries them (SMPP, TPDU); SIP MESSAGE gives URIs, whose user part lands here.
struct SmsAddress {
    std::string address;
    std::optional<std::uint8_t> ton;
    std::optional<std::uint8_t> npi;
    bool alphanumeric() const { return ton == 5; }
};

// Which parts of a concatenated message were seen. A single-part SMS has total 1, received 1.
struct SmsParts {
    std::uint16_t total = 1;
    std::uint16_t received = 1;
    bool complete = true;
    std::optional<std::uint16_t> reference;  // concatenation reference (UDH or SAR)
    std::string method;                      // "udh", "sar" or "" for single-part
    std::vector<std::uint16_t> missing;      // sequence numbers never seen (incomplete only)
};

// A delivery receipt's fields (SMPP 3.4 appendix B text, or the receipted_message_id TLVs).
struct DeliveryReceipt {
    std::string message_id;
    std::string state;   // stat: DELIVRD, UNDELIV, ...
    std::string error;   // err:
};

struct SmppTlv {
    std::uint16_t tag = 0;
    std::string value_hex;
};

struct SmppFacts {
    std::string command;                  // submit_sm, deliver_sm, data_sm, submit_multi
    std::uint32_t sequence_number = 0;    // of the first part
    std::string service_type;
    std::uint8_t esm_class = 0;
    std::uint8_t protocol_id = 0;
    std::uint8_t priority = 0;
    std::uint8_t registered_delivery = 0;
    std::uint8_t data_coding = 0;
    std::optional<std::uint16_t> source_port;
    std::optional<std::uint16_t> destination_port;
    std::vector<std::string> message_ids;          // from the responses, one per part answered
    std::optional<std::uint32_t> command_status;   // of the first response (0: accepted)
    std::vector<SmppTlv> other_tlvs;               // TLVs not decoded into fields above
};

struct SipSmsFacts {
    std::string call_id;
    std::string request_uri;
    std::string content_type;
    std::string user_agent;
    // application/vnd.3gpp.sms: the RP and TP layers
    std::string rp_type;                  // "rp-data-ms-to-network" / "rp-data-network-to-ms"
    std::optional<std::uint8_t> rp_message_reference;
    std::string rp_originator;            // RP-OA (the SMSC, network to MS)
    std::string rp_destination;           // RP-DA (the SMSC, MS to network)
    std::string tp_type;                  // "sms-submit" / "sms-deliver"
    std::optional<std::uint8_t> tp_dcs;
    std::optional<std::uint8_t> tp_pid;
};

struct SmsDetails {
    std::string protocol;                 // "smpp" or "sip"
    SmsAddress sender;
    std::vector<SmsAddress> recipients;   // one, except submit_multi
    std::string account;                  // SMPP system_id of the bind; empty when unknown or SIP
    std::string text;                     // UTF-8; empty for binary data
    std::string encoding;                 // gsm7, ascii, latin1, ucs2, utf8, binary, unknown
    std::string binary_hex;               // user data as hex when it is not text
    std::uint32_t replaced_characters = 0;  // undecodable units shown as U+FFFD
    SmsParts parts;
    std::optional<DeliveryReceipt> receipt;
    std::optional<SmppFacts> smpp;
    std::optional<SipSmsFacts> sip;
    Timestamp first_seen = 0;             // first part
    // Internal, not written: each part's message key (message_key_*), in the order the parts were
    // joined, so the inline gate's decision on every part can be looked up.
    std::vector<std::string> part_keys;
};

struct Contact {
    ContactKind kind = ContactKind::call;
    Timestamp ts = 0;      // when the record was completed
    Party caller;          // as presented: From for calls, the sender (user = address) for SMS
    Party callee;          // Request-URI user (To as fallback) for calls, first recipient for SMS
    Ingress ingress;
    std::string source;    // capture source name (file or interface)
    std::optional<CallDetails> call;
    std::optional<SmsDetails> sms;
    std::optional<Verdict> verdict;  // set by the detection stage when one is configured
};

// The key naming one decided message on both sides of the inline gate: a SIP INVITE or MESSAGE by
// its Call-ID, an SMPP submit by its connection direction and sequence_number.
std::string sip_message_key(std::string_view call_id);
std::string smpp_message_key(const net::FlowTuple& tuple, std::uint32_t sequence);
// The keys of the messages a contact was decided from: its Call-ID for a call, its parts' keys for
// an SMS (several for a multi-part SMS).
std::vector<std::string> message_keys(const Contact& contact);

// Where finished records go (the output stage implements it; the pipeline only knows this).
class ContactSink {
public:
    virtual ~ContactSink() = default;
    virtual void on_contact(const Contact& contact) = 0;
};

// Decides on a contact when the message it is decided from arrives (an initial INVITE, a
// single-part SMS), before the record is finished: fills `contact.verdict`. The verdict then
// travels with the record to its event, so a call is judged once, on what its INVITE presented,
// with the detection set in force at the INVITE (a reload before the BYE does not change it).
class ContactDecider {
public:
    virtual ~ContactDecider() = default;
    virtual void decide(Contact& contact) = 0;
    // A SIP REGISTER from `source` at packet time `at`: not a contact, nothing to decide, but
    // behaviour counts it (behaviour.register_flood).
    virtual void on_register(const IpAddress& source, Timestamp at) {
        (void)source;
        (void)at;
    }
};

}  // namespace scamgate::record
