#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "capture/pcap_file.h"
#include "net/rewrite.h"

using namespace scamgate;
using namespace scamgate::net;

namespace {

struct Frame {
    int linktype = 0;
    PacketBytes bytes;
};

// Every frame of a capture made by scripts/capture-sipp.sh / capture-smpp.sh (checksum offload was
// off there, so every checksum in them is the one the kernel computed in software).
std::vector<Frame> frames_of(const std::string& name) {
    capture::PcapFileReader reader(std::string(SCAMGATE_SOURCE_DIR) + "/pcaps/" + name);
    std::vector<Frame> frames;
    while (auto packet = reader.next()) frames.push_back({reader.linktype(), PacketBytes(packet->data.begin(), packet->data.end())});
    return frames;
}

std::uint16_t field16(const PacketBytes& ip, std::size_t offset) { return load_be16(ip.data() + offset); }

std::uint16_t checksum_field(const PacketBytes& ip, const DatagramLayout& layout) {
    return field16(ip, layout.transport_offset + (layout.proto == IpProto::udp ? 6 : 16));
}

PacketBytes ip_of(const Frame& frame) {
    auto offset = ip_offset_in_frame(frame.bytes, frame.linktype);
    REQUIRE(offset);
    return PacketBytes(frame.bytes.begin() + static_cast<std::ptrdiff_t>(*offset), frame.bytes.end());
}

}  // namespace

TEST_CASE("recomputing the checksums of real captured datagrams gives the captured values") {
    for (const char* name : {"sipp-domestic-udp.pcap", "sipp-domestic-tcp.pcap", "sipp-ipv6-intl.pcap",
                             "kannel-smpp-ucs2-vietnamese.pcap"}) {
        CAPTURE(name);
        int checked = 0;
        for (const auto& frame : frames_of(name)) {
            PacketBytes ip = ip_of(frame);
            auto layout = layout_of(ip);
            if (!layout) continue;
            const PacketBytes captured = ip;
            REQUIRE(fix_checksums(ip));
            CHECK(ip == captured);
            ++checked;
        }
        CHECK(checked > 10);
    }
}

TEST_CASE("layout of a captured SIP/UDP INVITE and of non-plain datagrams") {
    const auto frames = frames_of("sipp-domestic-udp.pcap");
    PacketBytes ip = ip_of(frames.front());
    auto layout = layout_of(ip);
    REQUIRE(layout);
    CHECK(layout->v4);
    CHECK(layout->proto == IpProto::udp);
    CHECK(layout->transport_offset == 20);
    CHECK(layout->payload_offset == 28);
    CHECK(layout->end == field16(ip, 2));
    CHECK(as_text(ByteView(ip).subspan(28, 7)) == "INVITE ");

    PacketBytes fragment = ip;
    fragment[6] |= 0x20;  // more fragments
    CHECK_FALSE(layout_of(fragment));
    PacketBytes truncated(ip.begin(), ip.end() - 1);
    CHECK_FALSE(layout_of(truncated));
    PacketBytes bad_udp_length = ip;
    bad_udp_length[25] ^= 0x01;
    CHECK_FALSE(layout_of(bad_udp_length));
    CHECK_FALSE(layout_of(ByteView{}));
}

TEST_CASE("replacing a UDP payload fixes every length and checksum (IPv4 and IPv6)") {
    for (const char* name : {"sipp-domestic-udp.pcap", "sipp-ipv6-intl.pcap"}) {
        CAPTURE(name);
        const PacketBytes ip = ip_of(frames_of(name).front());
        const std::string payload = "SIP/2.0 200 OK\r\nX-Longer: " + std::string(300, 'x') + "\r\n\r\n";
        auto changed = replace_udp_payload(ip, payload);
        REQUIRE(changed);
        auto layout = layout_of(*changed);
        REQUIRE(layout);
        CHECK(layout->end == changed->size());
        CHECK(as_text(ByteView(*changed).subspan(layout->payload_offset)) == payload);
        CHECK(field16(*changed, layout->transport_offset + 4) == 8 + payload.size());
        if (layout->v4) {
            CHECK(field16(*changed, 2) == 28 + payload.size());
            CHECK(internet_checksum(ByteView(*changed).first(20)) == 0);  // a valid header sums to 0
        } else {
            CHECK(field16(*changed, 4) == 8 + payload.size());
        }
        // Computing the checksum again gives the value written.
        PacketBytes again = *changed;
        const std::uint16_t written = checksum_field(*changed, *layout);
        REQUIRE(fix_checksums(again));
        CHECK(checksum_field(again, *layout) == written);
        CHECK(written != 0);
        // The ports are unchanged.
        CHECK(field16(*changed, layout->transport_offset) == field16(ip, layout->transport_offset));
    }
}

TEST_CASE("a built reply datagram equals the captured reply when given its addresses and payload") {
    // SIPp's 200 OK is the UAS's answer: rebuilding it from its tuple and payload gives the same
    // UDP header and payload, and a checksum that verifies the same way the kernel's did.
    for (const auto& frame : frames_of("sipp-domestic-udp.pcap")) {
        PacketBytes ip = ip_of(frame);
        auto layout = layout_of(ip);
        if (!layout || as_text(ByteView(ip).subspan(layout->payload_offset, 7)) != "SIP/2.0") continue;
        FlowTuple tuple{IpAddress::v4(ip.data() + 12), IpAddress::v4(ip.data() + 16), field16(ip, 20), field16(ip, 22),
                        IpProto::udp};
        const PacketBytes built = build_udp_datagram(tuple, as_text(ByteView(ip).subspan(layout->payload_offset)), ip[8]);
        REQUIRE(built.size() == ip.size());
        CHECK(std::equal(built.begin() + 20, built.end(), ip.begin() + 20));  // UDP header incl. checksum, payload
        CHECK(std::equal(built.begin() + 12, built.begin() + 20, ip.begin() + 12));
        CHECK(internet_checksum(ByteView(built).first(20)) == 0);
        return;
    }
    FAIL("no SIP response in the capture");
}

TEST_CASE("IP offsets in Ethernet frames with and without VLAN tags, and reframing a reply") {
    PacketBytes frame = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45};
    CHECK(ip_offset_in_frame(frame, 1) == 18u);
    frame[16] = 0x08;
    frame[17] = 0x06;  // ARP
    CHECK_FALSE(ip_offset_in_frame(frame, 1));
    CHECK(ip_offset_in_frame(frame, 101) == 0u);
    CHECK_FALSE(ip_offset_in_frame(frame, 113));  // Linux cooked: not changed inline
    CHECK_FALSE(ip_offset_in_frame(PacketBytes{0, 1, 2}, 1));

    const PacketBytes ip = {0x45, 0, 0, 20};
    const PacketBytes reply = reframe(frame, 18, ip, true, 1);
    REQUIRE(reply.size() == 22);
    CHECK(PacketBytes(reply.begin(), reply.begin() + 6) == PacketBytes{10, 11, 12, 13, 14, 15});
    CHECK(PacketBytes(reply.begin() + 6, reply.begin() + 12) == PacketBytes{0, 1, 2, 3, 4, 5});
    CHECK(reply[15] == 0x64);  // VLAN tag kept
    CHECK(PacketBytes(reply.begin() + 18, reply.end()) == ip);
    const PacketBytes forward = reframe(frame, 18, ip, false, 1);
    CHECK(PacketBytes(forward.begin(), forward.begin() + 6) == PacketBytes{0, 1, 2, 3, 4, 5});
}
