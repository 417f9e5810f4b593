// Inline, one decision per message (issue 13): the daemon's gate has the daemon's worker read each
// packet; the worker judges the INVITE or MESSAGE once, the gate carries that verdict out, and the
// event, written once the verdict is set, says what was done.
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/inline_gate.h"
#include "app/reload.h"
#include "app/replay.h"
#include "net/rewrite.h"
#include "pipeline/worker.h"
#include "policy/stage.h"
#include "decider_fakes.h"
#include "tcp_streams.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::app;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// Calls presenting a domestic CLI on the international trunk (203.0.113.0/24 in
// tests/golden/verdicts.yaml) are rejected; SMS from that trunk are dropped.
const char* const kPolicy = R"(
mode: enforce
rules:
  - name: spoofed-cli
    when: {kind: call, checks: [cli.domestic_on_international]}
    then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}
  - name: sms-from-intl
    when: {kind: sms, trunk: [intl-carrier]}
    then: {action: drop}
)";

using test_support::CountingDecider;
using Collect = test_support::CollectContacts;

// The daemon's wiring: detection stage (decider and event sink), worker, gate on that worker, the
// stage reading the gate's ledger.
struct OnePass {
    explicit OnePass(pipeline::PipelineConfig pipeline = {}) {
        policy_file.write(kPolicy);
        AppConfig config = load_config(kSource + "/tests/golden/verdicts.yaml");
        config.policy_path = policy_file.path();
        config.pipeline.sip = pipeline.sip;
        holder.emplace(std::make_shared<const Detection>(load_detection(config, {}, log)));
        stage.emplace(*holder, events);
        decider.emplace(*stage);
        worker.emplace(config.pipeline, *stage, log, &*decider);
        gate.emplace(*holder, *worker, config.pipeline);
        stage->set_wire(policy::WireContext::inline_gate, &gate->applied());
    }
    // One packet through the gate, its verdict set as the gate said (`wire_ok`).
    // One TCP segment of the caller's connection (running sequence numbers).
    InlineDecision segment(std::string_view bytes, std::uint8_t flags = 0x18) {
        const net::FlowTuple tuple{*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), 45000, 5060,
                                   net::IpProto::tcp};
        now += seconds(1);
        InlineDecision decision = gate->on_packet(tcp.segment(tuple, bytes, flags), now);
        gate->settle(decision, true);
        return decision;
    }
    InlineDecision packet(const std::string& sip, bool wire_ok = true, std::uint16_t port = 5060) {
        const net::FlowTuple tuple{*IpAddress::parse("203.0.113.2"), *IpAddress::parse("192.0.2.2"), port, port,
                                   net::IpProto::udp};
        const auto ip = net::build_udp_datagram(tuple, sip);
        now += seconds(1);
        InlineDecision decision = gate->on_packet(ip, now);
        gate->settle(decision, wire_ok);
        return decision;
    }

    test_support::TempFile policy_file{"one-pass-policy", ".yaml"};
    std::ostringstream log_text;
    Logger log{log_text};
    Collect events;
    std::optional<DetectionHolder> holder;
    std::optional<policy::DetectionStage> stage;
    std::optional<CountingDecider> decider;
    std::optional<pipeline::Worker> worker;
    std::optional<InlineGate> gate;
    Timestamp now = seconds(1'700'000'000);
    test_support::TcpStreams tcp;
};

std::string invite(std::string_view call_id, std::string_view junk = {}) {
    return fmt::format(
        "{}INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:+84912345678@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Length: 0\r\n\r\n",
        junk, call_id, call_id);
}

// An INVITE over TCP with an SDP offer padded to `body_size` bytes.
std::string tcp_invite_with_sdp(std::string_view call_id, std::size_t body_size) {
    std::string sdp =
        "v=0\r\no=- 1 1 IN IP4 203.0.113.2\r\ns=-\r\nc=IN IP4 203.0.113.2\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 0 8\r\n";
    while (sdp.size() < body_size) sdp += "a=x-padding:0123456789abcdef0123456789abcdef\r\n";
    return fmt::format(
        "INVITE sip:+84903002002@192.0.2.2;transport=tcp SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 203.0.113.2:45000;branch=z9hG4bK-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:+84912345678@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: {}\r\n\r\n{}",
        call_id, call_id, sdp.size(), sdp);
}

std::string sip_sms(std::string_view call_id) {
    const std::string_view text = "Tai khoan cua ban bi khoa";
    return fmt::format(
        "MESSAGE sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:+84912345678@203.0.113.2;user=phone>;tag=m1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: 1 MESSAGE\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: {}\r\n\r\n{}",
        call_id, call_id, text.size(), text);
}

std::uint64_t gate_counter(const InlineGate& gate, const std::string& key) {
    StatsReport stats;
    gate.append_stats(stats);
    return stats.values().at(key);
}

}  // namespace

TEST_CASE("one pass: an INVITE is judged once, the gate rejects it, retransmissions get the same answer") {
    OnePass p;
    const auto first = p.packet(invite("one-1"));
    CHECK(p.decider->decisions == 1);
    CHECK(first.action == "reject");
    CHECK(first.verdict == PacketVerdict::drop);
    REQUIRE(first.reply);
    CHECK(first.reply->payload.starts_with("SIP/2.0 606 Not Acceptable\r\n"));
    CHECK(first.enforced);

    // The retransmission is a follow-up of the tracked call: dropped and answered again, not re-judged.
    const auto again = p.packet(invite("one-1"));
    CHECK(p.decider->decisions == 1);
    CHECK(again.remembered);
    CHECK(again.verdict == PacketVerdict::drop);
    REQUIRE(again.reply);
    CHECK(again.reply->payload == first.reply->payload);
    CHECK(gate_counter(*p.gate, "inline.sip_decided") == 1);
    CHECK(gate_counter(*p.gate, "inline.remembered_drops") == 1);

    // The call ends (setup timeout at the end of the capture): its event says what was done.
    p.worker->end_source();
    REQUIRE(p.events.contacts.size() == 1);
    const auto& verdict = *p.events.contacts.front().verdict;
    CHECK(verdict.action == "reject");
    CHECK(verdict.enforced);
    CHECK_FALSE(verdict.not_enforced_reason);
}

TEST_CASE("one pass: a MESSAGE's event is written after its verdict is set, and says whether it was carried out") {
    OnePass p;
    const auto dropped = p.packet(sip_sms("sms-1"));
    CHECK(dropped.action == "drop");
    CHECK(dropped.verdict == PacketVerdict::drop);
    CHECK(p.decider->decisions == 1);
    REQUIRE(p.events.contacts.size() == 1);
    CHECK(p.events.contacts[0].verdict->enforced);

    // The verdict could not be set (the packet went on): the event says fail_open.
    p.packet(sip_sms("sms-2"), /*wire_ok=*/false);
    REQUIRE(p.events.contacts.size() == 2);
    CHECK_FALSE(p.events.contacts[1].verdict->enforced);
    CHECK(p.events.contacts[1].verdict->not_enforced_reason == record::NotEnforcedReason::fail_open);
    CHECK(p.decider->decisions == 2);
}

TEST_CASE("one pass: junk the worker tolerates before the start line no longer hides an INVITE from the gate") {
    OnePass p;
    // A lenient next hop routes this INVITE; the worker reads it past the junk, so it is judged.
    const auto decision = p.packet(invite("junk-1", "\r\n\x01\x02garbage "));
    CHECK(decision.unparsed.empty());
    CHECK(decision.action == "reject");
    CHECK(decision.verdict == PacketVerdict::drop);
    CHECK(p.decider->decisions == 1);
    CHECK(gate_counter(*p.gate, "inline.unparsed") == 0);
}

TEST_CASE("one pass: SIP the worker does not read (any-port detection off) is neither decided nor dropped") {
    pipeline::PipelineConfig config;
    config.sip.any_port = false;
    OnePass p(config);
    const auto elsewhere = p.packet(invite("port-1"), true, 5080);
    CHECK(elsewhere.action.empty());
    CHECK(elsewhere.verdict == PacketVerdict::accept);
    CHECK(p.decider->decisions == 0);
    // On a SIP port the same INVITE is judged and rejected.
    const auto on_port = p.packet(invite("port-2"));
    CHECK(on_port.action == "reject");
    CHECK(p.decider->decisions == 1);
}

TEST_CASE("one pass: an INVITE over TCP whose SDP comes later is judged once, on its head, and refused in that segment") {
    OnePass p;
    const std::string request = tcp_invite_with_sdp("tcp-head-1", 3000);
    const std::size_t first_size = request.find("\r\n\r\n") + 4 + 200;  // the head and 200 bytes of SDP
    const auto first = p.segment(std::string_view(request).substr(0, first_size));
    CHECK(p.decider->decisions == 1);
    CHECK(first.action == "reject");
    CHECK(first.verdict == PacketVerdict::accept);  // a TCP segment is never dropped
    CHECK(first.enforced);
    REQUIRE(first.rewritten);
    CHECK(net::layout_of(*first.rewritten));
    CHECK(as_text(*first.rewritten).find("Max-Forwards: 00\r\n") != std::string_view::npos);
    // The rest of the body: the whole INVITE reaches the call, not the decider or the gate again.
    const auto second = p.segment(std::string_view(request).substr(first_size));
    CHECK(p.decider->decisions == 1);
    CHECK(second.action.empty());
    CHECK_FALSE(second.rewritten);
    CHECK(gate_counter(*p.gate, "inline.sip_decided") == 1);
    CHECK(gate_counter(*p.gate, "inline.tcp_rewritten") == 1);

    p.worker->end_source();
    REQUIRE(p.events.contacts.size() == 1);
    const auto& call = p.events.contacts.front();
    REQUIRE(call.call);
    CHECK(call.call->call_id == "tcp-head-1");
    REQUIRE(call.call->media.size() == 1);  // the SDP that came after the decision
    CHECK(call.call->media[0].port == 40000);
    CHECK(call.verdict->action == "reject");
    CHECK(call.verdict->enforced);
}

TEST_CASE("one pass: a call refused on its head over TCP whose body never comes still gets its event") {
    OnePass p;
    const std::string request = tcp_invite_with_sdp("tcp-head-2", 3000);
    const std::size_t first_size = request.find("\r\n\r\n") + 4 + 100;
    const auto first = p.segment(std::string_view(request).substr(0, first_size));
    CHECK(first.action == "reject");
    CHECK(first.enforced);
    p.worker->end_source();  // the connection ends before the body
    REQUIRE(p.events.contacts.size() == 1);
    const auto& call = p.events.contacts.front();
    REQUIRE(call.call);
    CHECK(call.call->call_id == "tcp-head-2");
    CHECK(call.call->media.empty());
    CHECK(call.verdict->action == "reject");
    CHECK(call.verdict->enforced);
    CHECK(p.decider->decisions == 1);
}
