#pragma once
// SIP call flows for the pcap generator: message texts (scenarios_sip.cpp), the decoding cases
// (scenarios_cases.cpp) and the benchmark traffic (scenarios_bench.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scamgate::pcapgen {

// One call between a caller (UAC) and the gateway (UAS). Hosts are address literals; IPv6
// literals are bracketed where SIP needs it.
struct SipCall {
    std::string call_id;
    std::string caller;  // E.164 with '+', or a service number
    std::string callee;
    std::string caller_ip;
    std::string gateway_ip;
    std::uint16_t caller_port = 5060;
    std::uint16_t gateway_port = 5060;
    bool tcp = false;
    bool sctp = false;  // Via SIP/2.0/SCTP, Contact transport=sctp
    std::string transport;  // Via and Contact transport (e.g. "WS"); empty: TCP or UDP from `tcp`
    std::uint16_t media_port = 16000;
    std::size_t sdp_min_bytes = 0;  // pad the INVITE's SDP with ICE candidate lines up to this size
    std::string user_agent = "Trunk-SBC/5.1";
};

enum class SipStep {
    invite, trying, ringing, ok_invite, ack, bye, ok_bye,  // answered call
    cancel, ok_cancel, terminated,                         // cancelled while ringing
    busy, not_found, ack_failure                           // rejected
};

enum class CallOutcome { answered, cancelled, busy, not_found };

// The steps of a complete call with the given outcome, in wire order.
const std::vector<SipStep>& call_steps(CallOutcome outcome);
// True when the caller sends this step (requests), false for the gateway (responses).
bool sent_by_caller(SipStep step);
// Full message text (start line, headers, CRLF, body) with a correct Content-Length.
std::string render_sip(const SipCall& call, SipStep step);

// One row of OUTDIR/cases.tsv.
struct CaseInfo {
    std::string name;
    std::string file;
    int linktype = 0;
    std::size_t messages = 0;  // complete SIP messages a decoder must find
    std::size_t cut = 0;       // messages present only in part (snaplen, gap, mid-stream, EOF)
    std::vector<std::string> invite_call_ids;
    std::string description;
    std::size_t smpp_pdus = 0;  // valid SMPP PDUs a decoder must find (bogus headers excluded)
    std::size_t sms = 0;        // SMS a decoder must report (a multipart message counts once)
};

// One SMS a decoder must report from a generated case (written to OUTDIR/sms_expected.jsonl).
struct ExpectedSms {
    std::string case_name;
    std::string protocol;  // "smpp" or "sip"
    std::string command;   // submit_sm, deliver_sm, data_sm, submit_multi, MESSAGE
    std::string sender;
    int sender_ton = -1;   // -1 where the protocol has no TON (SIP text/plain)
    std::string recipient;
    std::string text;      // UTF-8; empty for binary
    std::string encoding;  // gsm7, ascii, latin1, ucs2, utf8, binary
    int parts_total = 1;
    int parts_received = 1;
};

// SIP over SCTP decoding cases (scenarios_sctp.cpp), appended to write_cases' list.
std::vector<CaseInfo> write_sctp_cases(const std::string& outdir);
// SIP over WebSocket and the malformed-but-routed SIP cases (scenarios_websocket.cpp): bad
// Content-Length over UDP, a 64 KiB SDP over TCP, lenient header forms. Appended to write_cases'
// list; their SIP MESSAGEs go to `expected`.
std::vector<CaseInfo> write_websocket_cases(const std::string& outdir, std::vector<ExpectedSms>& expected);

// SMPP and SIP MESSAGE decoding cases (scenarios_sms.cpp), appended to write_cases' list.
std::vector<CaseInfo> write_sms_cases(const std::string& outdir, std::vector<ExpectedSms>& expected);
std::string expected_sms_json(const ExpectedSms& e);

// A SIP MESSAGE request (RFC 3428) with the given body and a correct Content-Length.
struct SipMessageSpec {
    std::string from_user;   // e.g. +84987111222
    std::string to_user;
    std::string request_uri; // full URI
    std::string domain = "ims.mnc004.mcc452.3gppnetwork.org";
    std::string src_host, dst_host;  // IP literals for Via
    std::uint16_t src_port = 5060;
    bool tcp = false;
    std::string call_id;
    int cseq = 1;
    std::string content_type;  // text/plain;charset=UTF-8 or application/vnd.3gpp.sms
    std::string body;
    std::string extra_headers;  // complete CRLF-terminated lines
};
std::string render_sip_message(const SipMessageSpec& m);
// The response to a MESSAGE (200 OK or 202 Accepted), echoing Via/From/To/Call-ID/CSeq.
std::string render_sip_message_response(const SipMessageSpec& m, std::string_view code_reason);

// Writes every decoding case into outdir (which must exist) plus outdir/cases.tsv.
std::vector<CaseInfo> write_cases(const std::string& outdir);
std::string cases_tsv_header();
std::string cases_tsv_row(const CaseInfo& info);

struct BenchOptions {
    std::uint64_t messages = 1'000'000;
    std::string out;
    double tcp_share = 0.1;  // share of calls carried over TCP
    std::uint64_t seed = 1;
    double calls_per_second = 250.0;
    // Peers (UAs behind an SBC, gateways) calling the one gateway, each its own IP address: three
    // in four domestic, one in four international trunks. 16 is the historical file; replay
    // --workers shards by IP pair, so more peers let the work spread over more workers.
    std::size_t peers = 16;
};

struct BenchSummary {
    std::uint64_t messages = 0;
    std::uint64_t frames = 0;
    std::uint64_t calls = 0;
    std::uint64_t tcp_calls = 0;
    std::uint64_t bytes = 0;
    double capture_seconds = 0;
};

// Writes a large Ethernet/IPv4 pcap of concurrent calls; deterministic for a given seed.
BenchSummary write_bench(const BenchOptions& options);

// A flood of initial INVITEs, each with its own Call-ID and never answered (scanners, a SIM-box
// gone wrong, a Wangiri burst): every one stays a pending call until the setup timeout, so a
// replay measures the memory each pending call costs.
struct FloodOptions {
    std::uint64_t invites = 1'000'000;
    std::string out;
    std::uint64_t seed = 1;
    double invites_per_second = 100'000.0;
};

struct FloodSummary {
    std::uint64_t invites = 0;
    std::uint64_t bytes = 0;
    double capture_seconds = 0;
};

// Writes the flood as Ethernet/IPv4/UDP from the bench's peers (domestic and international
// trunks) to its gateway; deterministic for a given seed.
FloodSummary write_invite_flood(const FloodOptions& options);

struct SmppBenchOptions {
    std::uint64_t submits = 500'000;  // submit_sm PDUs (each answered by a submit_sm_resp)
    std::string out;
    std::uint64_t seed = 1;
    std::uint32_t binds = 50;  // concurrent ESME connections
};

struct SmppBenchSummary {
    std::uint64_t pdus = 0;        // every SMPP PDU written (binds, submits, resps, enquire_links, unbinds)
    std::uint64_t submits = 0;
    std::uint64_t sms = 0;         // logical messages (a multipart message counts once)
    std::uint64_t multipart_sms = 0;
    std::uint64_t gsm7 = 0, ucs2 = 0, other = 0;  // logical messages by kind
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    double capture_seconds = 0;
};

// Writes an SMPP-heavy Ethernet/IPv4 pcap: B binds (ESMEs) submitting N submit_sm to one SMSC on
// TCP 2775; deterministic for a given seed.
SmppBenchSummary write_smpp_bench(const SmppBenchOptions& options);

}  // namespace scamgate::pcapgen
