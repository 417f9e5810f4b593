// One decision per contact: the worker's decider judges a call at its initial INVITE and a
// single-part SMS at its MESSAGE; the record reaches its event with that verdict, whatever happens
// between (retransmissions, a retry with credentials, a reload before the BYE).
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/reload.h"
#include "app/replay.h"
#include "pcapgen/packet_builder.h"
#include "pipeline/worker.h"
#include "policy/stage.h"
#include "decider_fakes.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::app;
using namespace scamgate::daemon;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// The verdict golden config with a policy of its own: reject calls presenting a domestic CLI on
// the international trunk (203.0.113.0/24 in tests/golden/verdicts.yaml), or allow everything.
std::shared_ptr<const policy::Detection> load_with_policy(const std::string& policy_text, Logger& log) {
    test_support::TempFile policy_file{"worker-decider-policy", ".yaml"};
    policy_file.write(policy_text);
    AppConfig config = load_config(kSource + "/tests/golden/verdicts.yaml");
    config.policy_path = policy_file.path();
    return std::make_shared<const policy::Detection>(load_detection(config, {}, log));
}

const char* const kRejectSpoofed = R"(
mode: enforce
rules:
  - name: spoofed-cli
    when: {kind: call, checks: [cli.domestic_on_international]}
    then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}
  - name: any-sms
    when: {kind: sms}
    then: {action: alert}
)";

const char* const kAllowAll = R"(
mode: enforce
rules: []
)";

using test_support::CountingDecider;
using Collect = test_support::CollectContacts;

std::string request(std::string_view method, std::string_view call_id, int cseq, std::string_view to_tag = {}) {
    return fmt::format(
        "{} sip:+84903002002@192.0.2.2 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-{}-{}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:+84912345678@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>{}{}\r\n"
        "Call-ID: {}\r\n"
        "CSeq: {} {}\r\n"
        "Content-Length: 0\r\n\r\n",
        method, call_id, cseq, to_tag.empty() ? "" : ";tag=", to_tag, call_id, cseq, method);
}

std::string response(int status, std::string_view reason, std::string_view call_id, int cseq, std::string_view method) {
    return fmt::format(
        "SIP/2.0 {} {}\r\n"
        "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-{}-{}\r\n"
        "From: <sip:+84912345678@203.0.113.2;user=phone>;tag=c1\r\n"
        "To: <sip:+84903002002@192.0.2.2;user=phone>;tag=s1\r\n"
        "Call-ID: {}\r\n"
        "CSeq: {} {}\r\n"
        "Content-Length: 0\r\n\r\n",
        status, reason, call_id, cseq, call_id, cseq, method);
}

std::string sip_sms(std::string_view call_id, std::string_view text) {
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

// Feeds SIP datagrams (caller side 203.0.113.2 <-> callee side 192.0.2.2) into a worker, one
// second apart in packet time.
class Feeder {
public:
    explicit Feeder(pipeline::Worker& worker) : worker_(worker) {}
    void from_caller(const std::string& sip) { send("203.0.113.2", "192.0.2.2", sip); }
    void from_callee(const std::string& sip) { send("192.0.2.2", "203.0.113.2", sip); }

private:
    void send(std::string_view src, std::string_view dst, const std::string& sip) {
        const auto bytes =
            pcapgen::PacketBuilder().ethernet().ipv4(std::string(src), std::string(dst)).udp(5060, 5060).payload(
                pcapgen::to_bytes(sip)).build();
        ++number_;
        worker_.on_packet(capture::Packet{seconds(100 + static_cast<std::int64_t>(number_)), pcapgen::linktype::ethernet,
                                          ByteView(bytes), static_cast<std::uint32_t>(bytes.size()), number_});
    }
    pipeline::Worker& worker_;
    std::uint64_t number_ = 0;
};

struct DeciderFixture {
    std::ostringstream log_text;
    Logger log{log_text};
    std::shared_ptr<const policy::Detection> rejecting = load_with_policy(kRejectSpoofed, log);
    std::shared_ptr<const policy::Detection> allowing = load_with_policy(kAllowAll, log);
    policy::DetectionHolder holder{rejecting};
    Collect events;
    policy::DetectionStage stage{holder, events};
    CountingDecider decider{stage};
    pipeline::Worker worker{pipeline::PipelineConfig{}, stage, log, &decider};
    Feeder feed{worker};
};

}  // namespace

TEST_CASE("a call is decided once, at its initial INVITE: retransmissions and the retry with credentials keep it") {
    DeciderFixture f;
    f.feed.from_caller(request("INVITE", "once-1", 1));
    CHECK(f.decider.decisions == 1);
    f.feed.from_caller(request("INVITE", "once-1", 1));  // retransmission
    f.feed.from_callee(response(407, "Proxy Authentication Required", "once-1", 1, "INVITE"));
    f.feed.from_caller(request("INVITE", "once-1", 2));  // the same attempt with credentials
    f.feed.from_callee(response(200, "OK", "once-1", 2, "INVITE"));
    f.feed.from_caller(request("BYE", "once-1", 3, "s1"));
    CHECK(f.decider.decisions == 1);
    REQUIRE(f.events.contacts.size() == 1);
    const auto& call = f.events.contacts.front();
    REQUIRE(call.verdict);
    CHECK(call.verdict->action == "reject");
    CHECK(call.verdict->rule == "spoofed-cli");
    CHECK(call.call->end == record::CallEnd::bye);
    CHECK(call.call->invite_retransmissions == 1);
    // Replay: no wire, so the reject is reported as not carried out.
    CHECK_FALSE(call.verdict->enforced);
    CHECK(call.verdict->not_enforced_reason == record::NotEnforcedReason::offline);
}

TEST_CASE("a reload between the INVITE and the BYE does not change the call's event") {
    DeciderFixture f;
    f.feed.from_caller(request("INVITE", "reload-1", 1));
    f.holder.replace(f.allowing);  // the allow-all policy is in force from here on
    f.feed.from_callee(response(200, "OK", "reload-1", 1, "INVITE"));
    f.feed.from_caller(request("BYE", "reload-1", 2, "s1"));
    // A call started after the reload is judged by the new policy.
    f.feed.from_caller(request("INVITE", "reload-2", 1));
    f.feed.from_callee(response(486, "Busy Here", "reload-2", 1, "INVITE"));
    CHECK(f.decider.decisions == 2);
    REQUIRE(f.events.contacts.size() == 2);
    REQUIRE(f.events.contacts[0].verdict);
    CHECK(f.events.contacts[0].call->call_id == "reload-1");
    CHECK(f.events.contacts[0].verdict->action == "reject");
    CHECK(f.events.contacts[0].verdict->rule == "spoofed-cli");
    REQUIRE(f.events.contacts[1].verdict);
    CHECK(f.events.contacts[1].call->call_id == "reload-2");
    CHECK(f.events.contacts[1].verdict->action == "allow");
    // Both were judged by the same detector (same trunk, same checks); only the policy differs.
    CHECK(f.events.contacts[0].verdict->checks.size() == f.events.contacts[1].verdict->checks.size());
}

TEST_CASE("a single-part SIP MESSAGE is decided by the worker's decider, and without a decider the stage judges it") {
    DeciderFixture f;
    f.feed.from_caller(sip_sms("sms-1", "Tai khoan cua ban bi khoa"));
    CHECK(f.decider.decisions == 1);
    REQUIRE(f.events.contacts.size() == 1);
    REQUIRE(f.events.contacts.front().verdict);
    CHECK(f.events.contacts.front().verdict->action == "alert");

    // A worker without a decider hands records over undecided: the stage judges them as they pass.
    Collect events;
    policy::DetectionStage stage{f.holder, events};
    pipeline::Worker plain{pipeline::PipelineConfig{}, stage, f.log};
    Feeder feed{plain};
    feed.from_caller(sip_sms("sms-2", "Tai khoan cua ban bi khoa"));
    REQUIRE(events.contacts.size() == 1);
    REQUIRE(events.contacts.front().verdict);
    CHECK(events.contacts.front().verdict->action == "alert");
    CHECK(f.decider.decisions == 1);
}
