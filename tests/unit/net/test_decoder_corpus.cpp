// Real captures from the third-party corpus; expectations checked against tshark. Each case is
// skipped (reported as skipped) when its capture is absent (corpus.h).
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <map>
#include <string>

#include "corpus.h"
#include "test_decoder_harness.h"

using namespace scamgate;
using namespace scamgate::net;
using namespace scamgate::net::testing;
using scamgate::test_support::corpus_lacks;
using scamgate::test_support::counter;

namespace {

struct CorpusRun {
    RecordingSink sink;
    StatsReport stats;
};

// Decodes a whole file (pcap or pcapng); expire() runs one hour after the last packet.
void run_corpus_file(const std::string& name, CorpusRun& run) {
    const std::string path = test_support::corpus_path("pcaps/" + name).string();
    char error[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
    REQUIRE_MESSAGE(handle != nullptr, error);
    PacketDecoder decoder(NetLimits{}, run.sink);
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    capture::Packet packet;
    packet.linktype = pcap_datalink(handle);
    while (pcap_next_ex(handle, &header, &data) == 1) {
        packet.ts = Timestamp{header->ts.tv_sec} * kNanosPerSecond + header->ts.tv_usec;
        packet.data = ByteView(data, header->caplen);
        packet.wire_length = header->len;
        ++packet.number;
        decoder.decode(packet);
    }
    pcap_close(handle);
    decoder.expire(packet.ts + seconds(3600));
    decoder.append_stats(run.stats);
}

}  // namespace

TEST_CASE("corpus: zeek-vlan-qinqinq.pcap has 14 frames with three VLAN tags" * doctest::skip(corpus_lacks("pcaps/zeek-vlan-qinqinq.pcap"))) {
    CorpusRun run;
    run_corpus_file("zeek-vlan-qinqinq.pcap", run);
    CHECK(run.stats.at("packets") == 14);
    CHECK(run.stats.at("tcp.segments") == 14);
    CHECK(run.stats.at("decode.errors") == 0);
    REQUIRE_FALSE(run.sink.delivered.empty());
    for (const auto& d : run.sink.delivered) {
        REQUIRE(d.encap.vlan_count == 3);
        CHECK(d.encap.vlan_ids[0] == 30);
        CHECK(d.encap.vlan_ids[1] == 20);
        CHECK(d.encap.vlan_ids[2] == 10);
    }
}

TEST_CASE("corpus: zeek-ipv4-fragmented-3.pcap is five fragments of an incomplete datagram" * doctest::skip(corpus_lacks("pcaps/zeek-ipv4-fragmented-3.pcap"))) {
    // tshark: all five fragments have MF set, so the datagram never completes.
    CorpusRun run;
    run_corpus_file("zeek-ipv4-fragmented-3.pcap", run);
    CHECK(run.stats.at("ip.fragments") == 5);
    CHECK(run.stats.at("ip.reassembled") == 0);
    CHECK(run.sink.delivered.empty());
    CHECK(counter<NetAnomaly>(run.stats, "anomaly.ip.fragment_timeout") == 1);
    CHECK(run.stats.at("decode.errors") == 0);
}

TEST_CASE("corpus: sngrep-ipv6frag.pcap reassembles two SIP messages from IPv6 fragments" * doctest::skip(corpus_lacks("pcaps/sngrep-ipv6frag.pcap"))) {
    CorpusRun run;
    run_corpus_file("sngrep-ipv6frag.pcap", run);
    CHECK(run.stats.at("packets") == 34);
    CHECK(run.stats.at("ip.fragments") == 4);
    CHECK(run.stats.at("ip.reassembled") == 2);
    CHECK(run.stats.at("udp.datagrams") == 32);
    CHECK(run.stats.at("decode.errors") == 0);
    REQUIRE(run.sink.delivered.size() == 32);
    std::size_t reassembled_size_seen = 0;
    for (const auto& d : run.sink.delivered) {
        if (d.payload.size() > 1448) ++reassembled_size_seen;
        CHECK_FALSE(d.tuple.src.is_v4());
    }
    CHECK(reassembled_size_seen == 2);
}

TEST_CASE("corpus: heplify-erspan_sip_ipv4_udp.pcapng delivers 140 SIP datagrams via GRE" * doctest::skip(corpus_lacks("pcaps/heplify-erspan_sip_ipv4_udp.pcapng"))) {
    // tshark: GRE protocol 0x6558 (transparent Ethernet), keys 0 and 0x02000000, 70 each.
    CorpusRun run;
    run_corpus_file("heplify-erspan_sip_ipv4_udp.pcapng", run);
    CHECK(run.stats.at("packets") == 140);
    CHECK(run.stats.at("tunnel.gre") == 140);
    CHECK(run.stats.at("decode.errors") == 0);
    REQUIRE(run.sink.delivered.size() == 140);
    std::map<std::uint32_t, int> by_key;
    for (const auto& d : run.sink.delivered) {
        CHECK(d.encap.tunnel == TunnelKind::gre);
        CHECK(d.payload.find("SIP/2.0") != std::string::npos);
        ++by_key[d.encap.tunnel_id];
    }
    CHECK(by_key[0] == 70);
    CHECK(by_key[0x02000000] == 70);
}

TEST_CASE("corpus: arkime-gtp-iphone.pcap carries IPv4 and IPv6 in GTP-U" * doctest::skip(corpus_lacks("pcaps/arkime-gtp-iphone.pcap"))) {
    // tshark: 106 G-PDUs. Inner: 40 UDP (6 over IPv4), 58 TCP of which 25 pure ACKs, 8 ICMP/ICMPv6.
    CorpusRun run;
    run_corpus_file("arkime-gtp-iphone.pcap", run);
    CHECK(run.stats.at("packets") == 106);
    CHECK(run.stats.at("tunnel.gtpu") == 106);
    CHECK(run.stats.at("net.other") == 8);
    CHECK(run.stats.at("tcp.segments") == 58);
    CHECK(run.stats.at("decode.errors") == 0);
    REQUIRE(run.sink.delivered.size() == 40 + 58 - 25);
    int inner_v4 = 0;
    for (const auto& d : run.sink.delivered) {
        CHECK(d.encap.tunnel == TunnelKind::gtpu);
        CHECK(d.encap.tunnel_src.is_v4());
        CHECK(d.encap.tunnel_id != 0);
        if (d.tuple.src.is_v4()) ++inner_v4;
    }
    CHECK(inner_v4 == 6);
}
