// record::PackedCall: a pending call's record in one buffer gives back every field as it was.
#include <doctest/doctest.h>

#include <array>

#include "record/packed.h"

using namespace scamgate;
using namespace scamgate::record;

namespace {

Party party(const std::string& user, const std::string& host, const std::string& tag) {
    Party p;
    p.display = "Nguyen " + user;
    p.uri = "sip:" + user + "@" + host + ";user=phone";
    p.user = user;
    p.host = host;
    p.tag = tag;
    p.user_is_phone = true;
    return p;
}

// Every field set to something other than its default.
CallDetails full_details() {
    CallDetails d;
    d.call_id = "2b17e6a22200e01f-0@198.51.100.29";
    d.request_uri = "sip:+84862927117@198.51.100.1:5060;user=phone";
    d.from = party("+842361783284", "198.51.100.29", "c329eaf54");
    d.to = party("+84862927117", "198.51.100.1", "");
    d.p_asserted_identity = {party("+842361783284", "198.51.100.29", "")};
    d.p_preferred_identity = {party("+8428", "pp.example", "")};
    d.remote_party_id = {party("+8429", "rpid.example", ""), party("+8430", "rpid2.example", "")};
    d.diversion = {party("+8431", "div.example", "")};
    d.history_info = {party("+8432", "hi.example", "x")};
    d.privacy = "id";
    d.has_identity_header = true;
    d.contact = "<sip:+842361783284@198.51.100.29:5060;transport=udp>";
    d.via_first = Via{"UDP", "198.51.100.29", 5060, "z9hG4bK329eaf54-1"};
    d.via_last = Via{"TCP", "203.0.113.9", 5070, "z9hG4bKbottom"};
    d.via_count = 3;
    d.user_agent = "VN-PBX/2.1";
    d.server = "Gateway/9";
    d.max_forwards = 69;
    d.content_type = "application/sdp";
    d.media = {MediaEndpoint{"audio", "198.51.100.29", 13930, "RTP/AVP"}, MediaEndpoint{"video", "::1", 2, "RTP/SAVP"}};
    d.timeline.invite = 1'768'464'000'000'000'000;
    d.timeline.first_provisional = d.timeline.invite + 1;
    d.timeline.first_provisional_status = 183;
    d.timeline.ringing = d.timeline.invite + 2;
    d.timeline.answer = d.timeline.invite + 3;
    d.timeline.end = d.timeline.invite + 4;
    d.final_status = 486;
    d.final_reason = "Busy Here";
    d.end = CallEnd::rejected;
    d.messages = 300;
    d.invite_retransmissions = 2;
    d.reinvites = 1;
    return d;
}

Ingress full_ingress() {
    Ingress in;
    const std::array<std::uint8_t, 4> src{198, 51, 100, 29};
    const std::array<std::uint8_t, 16> dst{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    in.src = IpAddress::v4(src.data());
    in.dst = IpAddress::v6(dst.data());
    in.src_port = 5060;
    in.dst_port = 65535;
    in.transport = "ws";
    in.vlans = {100, 4094};
    in.tunnel = net::TunnelKind::gtpu;
    in.tunnel_src = IpAddress::v4(src.data());
    in.tunnel_dst = IpAddress::v6(dst.data());
    in.tunnel_id = 0xfffffff0;
    return in;
}

Verdict full_verdict() {
    Verdict v;
    v.trunk = "intl-carrier";
    v.role = "international";
    v.hits = {SignatureHit{7, "ua.sipvicious", "scanner", "user_agent", "raw", "friendly-scanner", -5}};
    v.checks = {CheckFinding{"cli.domestic_on_international", "+842361783284 on intl-carrier", 60}};
    v.categories = {"scanner", "spoofing"};
    v.lists = {"block_numbers"};
    v.model = ModelScore{"sms-text", "3", 0.875, 30};
    v.host_model = HostModelScore{"url-host", "1", 0.25, "vcb-login.example"};
    v.calibration = ScoreBreakdown{"sms-score", "2", -3.5, {ScoreContribution{"model_logit", 1.5, 2.25}}, 0.9};
    v.score = 90;
    v.rule = "spoofed-domestic";
    v.action = "reject";
    v.policy_enforces = true;
    v.enforced = true;
    v.not_enforced_reason = NotEnforcedReason::tcp_unsafe;
    v.sip_status = 603;
    v.sip_reason = "Decline";
    v.smpp_status = 0x45;
    v.tags = {"scam", "spoofed"};
    v.tag_headers = {{"X-Scam", "yes"}, {"X-Score", "90"}};
    v.display_name_prefix = "[SCAM] ";
    return v;
}

}  // namespace

TEST_CASE("packed call: details, ingress and verdict come back field for field") {
    const CallDetails details = full_details();
    const Ingress ingress = full_ingress();
    const Verdict verdict = full_verdict();
    const PackedCall packed(details, ingress, &verdict);

    CHECK(packed.call_id() == details.call_id);
    CHECK(packed.details() == details);
    CHECK(packed.ingress() == ingress);
    REQUIRE(packed.has_verdict());
    CHECK(*packed.verdict() == verdict);
}

TEST_CASE("packed call: defaults and no verdict come back as they were") {
    const PackedCall packed(CallDetails{}, Ingress{}, nullptr);
    CHECK(packed.call_id().empty());
    CHECK(packed.details() == CallDetails{});
    CHECK(packed.ingress() == Ingress{});
    CHECK_FALSE(packed.has_verdict());
    CHECK_FALSE(packed.verdict().has_value());
}

TEST_CASE("packed call: repeated strings and a party's user and host inside its URI are written once") {
    CallDetails details;
    details.call_id = "a84b4c76e66710@pc33.example.com";
    const std::size_t no_party = PackedCall(details, Ingress{}, nullptr).size();
    details.from = party("+842361783284", "198.51.100.29", "c329eaf54");
    const std::size_t one_party = PackedCall(details, Ingress{}, nullptr).size();
    // The URI holds user and host: the party costs its display, URI and tag and a few bytes more.
    const Party& from = details.from;
    CHECK(one_party - no_party < from.display.size() + from.uri.size() + from.tag.size() + 12);

    details.p_asserted_identity = {details.from};  // the usual: PAI repeats From
    const std::size_t with_pai = PackedCall(details, Ingress{}, nullptr).size();
    CHECK(with_pai - one_party < 20);
    CHECK(PackedCall(details, Ingress{}, nullptr).details() == details);
}

TEST_CASE("packed call: an ended call keeps its Call-ID only") {
    const Verdict verdict = full_verdict();
    PackedCall packed(full_details(), full_ingress(), &verdict);
    const std::size_t whole = packed.size();
    packed.keep_call_id_only();
    CHECK(packed.call_id() == full_details().call_id);
    CHECK(packed.size() == full_details().call_id.size());
    CHECK(packed.size() < whole);
    CHECK_FALSE(packed.has_verdict());
    CHECK_THROWS_AS(packed.details(), std::logic_error);
}

TEST_CASE("packed call: unpacking into records that hold another call's values leaves nothing of them") {
    const Verdict verdict = full_verdict();
    const PackedCall full(full_details(), full_ingress(), &verdict);
    std::string scratch = "left over from an earlier call";
    const PackedCall empty(CallDetails{}, Ingress{}, nullptr, scratch);

    CallDetails details = full_details();
    Ingress ingress = full_ingress();
    std::optional<Verdict> unpacked = verdict;
    empty.details_into(details);
    empty.ingress_into(ingress);
    empty.verdict_into(unpacked);
    CHECK(details == CallDetails{});
    CHECK(ingress == Ingress{});
    CHECK_FALSE(unpacked.has_value());

    full.details_into(details);
    full.ingress_into(ingress);
    full.verdict_into(unpacked);
    CHECK(details == full_details());
    CHECK(ingress == full_ingress());
    REQUIRE(unpacked.has_value());
    CHECK(*unpacked == verdict);
}

TEST_CASE("packed call: a record larger than the writer's first buffer comes back whole") {
    CallDetails details = full_details();
    details.user_agent = std::string(5000, 'u');
    details.contact = std::string(3000, 'c');
    std::string scratch;
    const PackedCall packed(details, full_ingress(), nullptr, scratch);
    CHECK(packed.size() > 8000);
    CHECK(packed.details() == details);
    CHECK(packed.ingress() == full_ingress());
}
