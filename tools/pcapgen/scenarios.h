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
};

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

}  // namespace scamgate::pcapgen
