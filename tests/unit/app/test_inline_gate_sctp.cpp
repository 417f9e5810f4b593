// The inline gate on SIP over SCTP: every user message is judged, nothing is enforced (counted as
// inline.not_applied), whether the INVITE is in one DATA chunk or fragmented across packets.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "enforce/inline_gate.h"
#include "app/replay.h"
#include "pcapgen/packet_builder.h"

using namespace scamgate;
using namespace scamgate::app;
using namespace scamgate::enforce;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// The verdict golden config with an enforcing policy: reject the spoofed-CLI calls of the
// international trunk (203.0.113.0/24), tag the domestic peer's (198.51.100.0/24).
struct SctpGateFixture {
    SctpGateFixture() : policy_path("/tmp/scamgate-inline-sctp-policy-" + std::to_string(::getpid()) + ".yaml") {
        std::ofstream(policy_path) << R"(
mode: enforce
rules:
  - name: spoofed-cli
    when: {kind: call, checks: [cli.domestic_on_international]}
    then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}
  - name: mark-domestic-peer
    when: {kind: call, trunk: [domestic-peer]}
    then: {action: tag, display_name_prefix: "[SCAM?] "}
)";
        config = load_config(kSource + "/tests/golden/verdicts.yaml");
        config.policy_path = policy_path;
        detection.emplace(load_detection(config, {}, log));
    }
    ~SctpGateFixture() { std::remove(policy_path.c_str()); }
    SctpGateFixture(const SctpGateFixture&) = delete;
    SctpGateFixture& operator=(const SctpGateFixture&) = delete;

    std::string policy_path;
    std::ostringstream log_text;
    Logger log{log_text};
    AppConfig config;
    std::optional<policy::Detection> detection;
};

std::string invite(std::string_view caller, std::string_view call_id) {
    return fmt::format(
        "INVITE sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
        "Via: SIP/2.0/SCTP 203.0.113.2:5060;branch=z9hG4bK-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:{}@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Length: 0\r\n\r\n",
        call_id, caller, call_id);
}

net::PacketBytes sctp_packet(std::string_view src, std::vector<pcapgen::SctpChunk> chunks) {
    return pcapgen::PacketBuilder()
        .ipv4(src, "192.0.2.2")
        .sctp({.src_port = 5060, .dst_port = 5060, .verification_tag = 0x2dead2b2, .chunks = std::move(chunks)})
        .build();
}

std::uint64_t gate_stat(const InlineGate& gate, const std::string& name) {
    StatsReport stats;
    gate.append_stats(stats);
    REQUIRE(stats.values().contains(name));
    return stats.values().at(name);
}

}  // namespace

TEST_CASE("inline gate, SIP over SCTP: a reject is judged and left as an alert (inline.not_applied)") {
    SctpGateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const auto packet = sctp_packet("203.0.113.2", {pcapgen::sctp_sack(1), pcapgen::sctp_data(7, 0, 0, invite("+84912345678", "sctp-rej-1"))});
    const auto d = gate.on_packet(packet, seconds(100));
    CHECK(d.action == "reject");
    CHECK_FALSE(d.enforced);  // judged, not carried out
    CHECK(d.call_id == "sctp-rej-1");
    gate.settle(d, true);
    const auto applied = gate.applied().take(record::sip_message_key("sctp-rej-1"));
    REQUIRE(applied);
    CHECK(applied->action == "reject");
    CHECK(applied->not_enforced == record::NotEnforcedReason::sctp);
    CHECK(d.verdict == PacketVerdict::accept);
    CHECK_FALSE(d.rewritten);
    CHECK_FALSE(d.reply);
    CHECK(gate_stat(gate, "inline.sip_decided") == 1);
    CHECK(gate_stat(gate, "inline.not_applied") == 1);
    CHECK(gate_stat(gate, "inline.rejected") == 0);

    const auto clean = sctp_packet("203.0.113.2", {pcapgen::sctp_data(8, 0, 1, invite("+442079460123", "sctp-ok-1"))});
    const auto ok = gate.on_packet(clean, seconds(101));
    CHECK(ok.action == "allow");
    CHECK(ok.verdict == PacketVerdict::accept);
    CHECK(gate_stat(gate, "inline.sip_decided") == 2);
    CHECK(gate_stat(gate, "inline.not_applied") == 1);
}

TEST_CASE("inline gate, SIP over SCTP: a fragmented INVITE is judged when its last fragment arrives, tag is not applied") {
    SctpGateFixture f;
    InlineGate gate(f.detection->detector, f.detection->policy, f.config.pipeline);
    const std::string text = invite("+84912345678", "sctp-tag-1");
    const std::size_t half = text.size() / 2;
    namespace flags = pcapgen::sctp_flags;
    const auto first = sctp_packet("198.51.100.7", {pcapgen::sctp_data(20, 0, 0, std::string_view(text).substr(0, half), flags::begin)});
    const auto second = sctp_packet("198.51.100.7", {pcapgen::sctp_data(21, 0, 0, std::string_view(text).substr(half), flags::end)});
    const auto d1 = gate.on_packet(first, seconds(100));
    CHECK(d1.action.empty());
    const auto d2 = gate.on_packet(second, seconds(100));
    CHECK(d2.action == "tag");
    CHECK(d2.call_id == "sctp-tag-1");
    CHECK(d2.verdict == PacketVerdict::accept);
    CHECK_FALSE(d2.rewritten);
    CHECK(gate_stat(gate, "inline.tagged") == 0);
    CHECK(gate_stat(gate, "inline.not_applied") == 1);
}
