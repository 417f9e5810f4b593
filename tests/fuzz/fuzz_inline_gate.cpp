// The inline gate on hostile packets: the first byte picks the policy (reject, tag with a
// display-name prefix, or drop, all enforced) and how the rest is carried (as a whole IP datagram,
// or as the payload of a UDP/IPv4, UDP/IPv6 or TCP/IPv4 datagram to port 5060 or 2775). Whatever
// the gate decides must be well formed: a rewritten packet has a plain layout and valid checksums
// (and, on TCP, its original length); a reply parses as a SIP response; every message it decided
// goes into its enforcement ledger and comes back out exactly once. The raw input is also decided
// as a whole Ethernet frame (VLAN tags and all, as the bridge hands it over). Also runs the
// Ethernet offset finder and the UDP payload replacement on the raw input.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "enforce/inline_gate.h"
#include "app/replay.h"
#include "net/rewrite.h"
#include "pcapgen/packet_builder.h"
#include "sip/message.h"

namespace {

using namespace scamgate;

constexpr const char* kPolicies[] = {
    "mode: enforce\nrules:\n  - {name: r, when: {score_min: 0}, then: {action: reject, sip_status: 606, sip_reason: Not Acceptable, smpp_status: 0x0A}}\n",
    "mode: enforce\nrules:\n  - {name: t, when: {score_min: 0}, then: {action: tag, tags: [x], display_name_prefix: \"[SCAM?] \"}}\n",
    "mode: enforce\nrules:\n  - {name: d, when: {score_min: 0}, then: {action: drop}}\n",
};

// A policy file of this process's own (other fuzz runs and checkouts on the machine write theirs
// at the same time); the caller removes it once loaded.
std::string write_policy(std::string_view text) {
    char name[] = "/tmp/scamgate-fuzz-gate-policy-XXXXXX.yaml";
    const int fd = mkstemps(name, 5);
    if (fd < 0) __builtin_trap();
    const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    if (!written) __builtin_trap();
    return name;
}

struct Gates {
    Gates() {
        for (const char* policy : kPolicies) {
            const std::string path = write_policy(policy);
            app::AppConfig config = app::load_config(std::string(SCAMGATE_SOURCE_DIR) + "/tests/golden/verdicts.yaml");
            config.policy_path = path;
            detections.push_back(std::make_unique<policy::Detection>(app::load_detection(config, {}, log)));
            std::remove(path.c_str());
            gates.push_back(std::make_unique<enforce::InlineGate>(detections.back()->detector, detections.back()->policy,
                                                              config.pipeline));
        }
    }
    std::ostringstream log_text;
    Logger log{log_text};
    std::vector<std::unique_ptr<policy::Detection>> detections;
    std::vector<std::unique_ptr<enforce::InlineGate>> gates;
};

net::PacketBytes tcp_datagram(const net::FlowTuple& t, ByteView payload) {
    return pcapgen::PacketBuilder()
        .ipv4(t.src.to_string(), t.dst.to_string())
        .tcp({.src_port = t.src_port, .dst_port = t.dst_port, .seq = 1})
        .payload(pcapgen::Bytes(payload.begin(), payload.end()))
        .build();
}

void check(const enforce::InlineDecision& d, std::size_t original_size, bool tcp) {
    if (d.rewritten) {
        auto layout = net::layout_of(*d.rewritten);
        if (!layout) __builtin_trap();
        net::PacketBytes copy = *d.rewritten;
        if (!net::fix_checksums(copy) || copy != *d.rewritten) __builtin_trap();
        if (tcp && d.rewritten->size() != original_size) __builtin_trap();
    }
    if (d.reply) {
        sip::Message response;
        if (sip::parse_message(d.reply->payload, sip::Framing::datagram, response).status != sip::ParseStatus::ok ||
            response.is_request) {
            __builtin_trap();
        }
    }
}

// The ledger: recorded as the loops do (the verdict failing on odd packets), every message taken
// back once with the reason invariant intact.
void settle_and_take(enforce::InlineGate& gate, const enforce::InlineDecision& decision, bool wire_ok) {
    gate.settle(decision, wire_ok);
    std::set<std::string> taken;  // a key decided twice in one packet is one entry (the latest)
    for (const auto& decided : decision.decided) {
        if (!taken.insert(decided.key).second) continue;
        auto applied = gate.applied().take(decided.key);
        if (!applied || gate.applied().take(decided.key)) __builtin_trap();
        if (applied->action.empty() && !applied->not_enforced) __builtin_trap();  // seen, not decided: always why
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Gates gates;
    if (size < 1 || size > 70000) return 0;
    const std::uint8_t selector = data[0];
    const ByteView rest(data + 1, size - 1);
    enforce::InlineGate& gate = *gates.gates[selector % 3];
    const auto v4a = *IpAddress::parse("203.0.113.2");
    const auto v4b = *IpAddress::parse("192.0.2.2");
    const std::uint16_t port = (selector & 0x40) ? 2775 : 5060;
    const bool reverse = (selector & 0x80) != 0;
    net::FlowTuple tuple{v4a, v4b, 40000, port, net::IpProto::udp};
    if (reverse) tuple = tuple.reversed();
    net::PacketBytes packet;
    bool tcp = false;
    switch ((selector / 3) % 4) {
        case 0: packet.assign(rest.begin(), rest.end()); break;
        case 1: packet = net::build_udp_datagram(tuple, as_text(rest)); break;
        case 2: {
            net::FlowTuple v6 = tuple;
            v6.src = *IpAddress::parse("2001:db8:113::2");
            v6.dst = *IpAddress::parse("2001:db8::2");
            packet = net::build_udp_datagram(v6, as_text(rest));
            break;
        }
        default:
            tuple.proto = net::IpProto::tcp;
            packet = tcp_datagram(tuple, rest);
            tcp = true;
            break;
    }
    static Timestamp now = seconds(1000);
    now += 1'000'000;
    const auto decision = gate.on_packet(packet, now);
    check(decision, packet.size(), tcp);
    settle_and_take(gate, decision, (now / 1'000'000) % 2 == 0);
    const capture::Packet frame{now, pcapgen::linktype::ethernet, rest, static_cast<std::uint32_t>(rest.size()), 1};
    const auto framed = gate.on_packet(frame);
    check(framed, 0, false);
    settle_and_take(gate, framed, true);

    (void)net::ip_offset_in_frame(rest, 1);
    if (auto replaced = net::replace_udp_payload(rest, "X")) {
        if (!net::layout_of(*replaced)) __builtin_trap();
    }
    return 0;
}
