#include "pcapgen/fuzz_seeds.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "pcapgen/packet_builder.h"

namespace scamgate::pcapgen {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:+842437001001@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/SCTP 203.0.113.10;branch=z9hG4bK1\r\n"
    "From: <sip:+84912345678@203.0.113.10>;tag=1\r\nTo: <sip:+842437001001@198.51.100.1>\r\n"
    "Call-ID: fuzz-seed@203.0.113.10\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

void put_be16(Bytes& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void write_file(const std::filesystem::path& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// fuzz_net_decoder: header byte 1 (Ethernet), frames as [len16][bytes].
Bytes decoder_input(const std::vector<Bytes>& frames) {
    Bytes out{0x01};
    for (const Bytes& f : frames) {
        put_be16(out, f.size());
        out.insert(out.end(), f.begin(), f.end());
    }
    return out;
}

// fuzz_sctp: header byte, then [selector][len16][SCTP packet]; the packets are cut out of frames
// built as Ethernet/IPv4 (14 + 20 bytes before SCTP).
Bytes sctp_input(std::uint8_t header, const std::vector<std::pair<std::uint8_t, std::vector<SctpChunk>>>& packets,
                 std::uint32_t vtag = 0x2dead2b2) {
    Bytes out{header};
    for (const auto& [selector, chunks] : packets) {
        const Bytes frame = PacketBuilder().ethernet().ipv4("203.0.113.10", "198.51.100.1")
                                .sctp({.verification_tag = vtag, .chunks = chunks}).build();
        out.push_back(selector);
        put_be16(out, frame.size() - 34);
        out.insert(out.end(), frame.begin() + 34, frame.end());
    }
    return out;
}

std::vector<SctpChunk> split(std::string_view message, std::size_t parts, std::uint32_t tsn) {
    std::vector<SctpChunk> out;
    const std::size_t step = (message.size() + parts - 1) / parts;
    for (std::size_t at = 0; at < message.size(); at += step) {
        std::uint8_t f = 0;
        if (at == 0) f |= sctp_flags::begin;
        if (at + step >= message.size()) f |= sctp_flags::end;
        out.push_back(sctp_data(tsn++, 0, 0, message.substr(at, step), f));
    }
    return out;
}

}  // namespace

std::size_t write_fuzz_seeds(const std::string& outdir) {
    namespace fs = std::filesystem;
    const fs::path decoder = fs::path(outdir) / "fuzz_net_decoder";
    const fs::path sctp = fs::path(outdir) / "fuzz_sctp";
    fs::create_directories(decoder);
    fs::create_directories(sctp);
    std::size_t written = 0;
    auto udp = [](PacketBuilder b) { return b.udp(5060, 5060).payload(kInvite).build(); };

    write_file(decoder / "pppoe_ipv4_ipv6_lcp",
               decoder_input({udp(PacketBuilder().ethernet().pppoe({.session_id = 0x1a2b}).ipv4("100.64.0.7", "198.51.100.1")),
                              udp(PacketBuilder().ethernet().vlan(113).pppoe({.compress_protocol = true}).ipv6("2001:db8::1", "2001:db8::2")),
                              PacketBuilder().ethernet().pppoe({.ppp_protocol = 0xC021}).payload(Bytes{9, 1, 0, 8, 1, 2, 3, 4}).build(),
                              PacketBuilder().ethernet({.ethertype = 0x8863}).payload(Bytes{0x11, 0x09, 0, 0, 0, 0}).build()}));
    write_file(decoder / "pptp_full_compressed_ack",
               decoder_input({udp(PacketBuilder().ethernet().ipv4("192.0.2.10", "192.0.2.20").pptp({.call_id = 0x0c01, .ack = 3})
                                      .ipv4("10.8.0.2", "198.51.100.1")),
                              udp(PacketBuilder().ethernet().ipv4("192.0.2.20", "192.0.2.10")
                                      .pptp({.call_id = 0x0c02, .sequence = 7, .address_control = false, .compress_protocol = true})
                                      .ipv6("2001:db8::1", "2001:db8::2")),
                              PacketBuilder().ethernet().ipv4("192.0.2.10", "192.0.2.20").pptp({.call_id = 1, .sequence = std::nullopt, .ack = 9}).build()}));
    write_file(decoder / "sctp_in_pppoe",
               decoder_input({PacketBuilder().ethernet().pppoe().ipv4("100.64.0.7", "198.51.100.1")
                                  .sctp({.verification_tag = 1, .chunks = {sctp_data(1, 0, 0, kInvite)}}).build()}));
    written += 3;

    write_file(sctp / "whole_bundled", sctp_input(0x00, {{0, {sctp_sack(4), sctp_data(1, 0, 0, kInvite), sctp_data(2, 1, 0, "SIP/2.0 100 Trying\r\n\r\n", sctp_flags::whole | sctp_flags::unordered)}}}));
    const auto frags = split(kInvite, 3, 0xFFFFFFFF);
    write_file(sctp / "fragments_reordered_wrap", sctp_input(0x00, {{0, {frags[2]}}, {0, {frags[0]}}, {0, {frags[0]}}, {0, {frags[1]}}}));
    write_file(sctp / "fragments_tight_limits", sctp_input(0x01, {{0, {frags[0]}}, {1, {frags[1]}}, {2, {frags[2]}}, {0, {frags[1], frags[2]}}}));
    write_file(sctp / "idata_interleaved",
               sctp_input(0x08, {{0, {sctp_idata(1, 0, 0, 0, "Alpha-", sctp_flags::begin), sctp_idata(2, 1, 0, 0, "Beta-", sctp_flags::begin)}},
                                 {0, {sctp_idata(4, 1, 0, 1, "two", sctp_flags::end), sctp_idata(3, 0, 0, 1, "end", sctp_flags::end)}}}));
    SctpChunk runaway = sctp_control(4, 0, Bytes{0, 1, 0, 8, 1, 2, 3, 4});
    runaway.length = 300;
    write_file(sctp / "malformed_and_abort",
               sctp_input(0x04, {{0, {sctp_data(1, 0, 0, kInvite), runaway}}, {0x80, {sctp_data(9, 0, 0, "")}},
                                 {0, {frags[0]}}, {0, {sctp_control(6, 1)}}, {0, {sctp_control(7), sctp_control(14)}}}));
    written += 5;
    return written;
}

}  // namespace scamgate::pcapgen
