#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smpp/stream_framer.h"
#include "smpp_test_util.h"

using namespace scamgate;
using namespace scamgate::smpp;
using scamgate::smpp::test::from_hex;
using scamgate::smpp::test::ndpi_session;

namespace {

struct Collect final : PduSink {
    std::vector<std::vector<std::uint8_t>> pdus;
    std::vector<SmppAnomaly> anomalies;
    void on_pdu(ByteView pdu) override { pdus.emplace_back(pdu.begin(), pdu.end()); }
    void on_framing_anomaly(SmppAnomaly a) override { anomalies.push_back(a); }
};

std::vector<std::uint8_t> whole_session() {
    std::vector<std::uint8_t> all;
    for (auto hex : ndpi_session()) {
        auto b = from_hex(hex);
        all.insert(all.end(), b.begin(), b.end());
    }
    return all;
}

}  // namespace

TEST_CASE("all PDUs in one segment come out in order, in place") {
    const auto all = whole_session();
    PduFramer framer;
    Collect sink;
    framer.feed(all, sink);
    REQUIRE(sink.pdus.size() == ndpi_session().size());
    for (std::size_t i = 0; i < sink.pdus.size(); ++i) CHECK(sink.pdus[i] == from_hex(ndpi_session()[i]));
    CHECK(sink.anomalies.empty());
    CHECK(framer.buffered() == 0);
}

TEST_CASE("every split point, and one byte at a time, gives the same PDUs") {
    const auto all = whole_session();
    for (std::size_t cut = 1; cut < all.size(); ++cut) {
        PduFramer framer;
        Collect sink;
        framer.feed(ByteView(all).first(cut), sink);
        framer.feed(ByteView(all).subspan(cut), sink);
        CHECK(sink.pdus.size() == ndpi_session().size());
        CHECK(sink.anomalies.empty());
    }
    PduFramer framer;
    Collect sink;
    for (auto b : all) framer.feed(ByteView(&b, 1), sink);
    CHECK(sink.pdus.size() == ndpi_session().size());
    CHECK(sink.pdus.back() == from_hex(ndpi_session().back()));
}

TEST_CASE("an absurd command_length makes the framer skip to the next plausible header") {
    auto all = whole_session();
    // A bogus header (command_length 0xFFFFFFFF) then 7 junk bytes before the session.
    std::vector<std::uint8_t> junk = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7};
    junk.insert(junk.end(), all.begin(), all.end());
    PduFramer framer;
    Collect sink;
    framer.feed(junk, sink);
    CHECK(sink.pdus.size() == ndpi_session().size());
    REQUIRE(sink.anomalies.size() == 2);
    CHECK(sink.anomalies[0] == SmppAnomaly::command_length_invalid);
    CHECK(sink.anomalies[1] == SmppAnomaly::bytes_skipped);
    CHECK(framer.skipped_bytes() == 23);
}

TEST_CASE("command_length below 16 resynchronises too") {
    auto all = whole_session();
    std::vector<std::uint8_t> bad = {0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1};
    bad.insert(bad.end(), all.begin(), all.end());
    PduFramer framer;
    Collect sink;
    // Fed in small pieces, so the junk sits in the buffer when it is found out.
    for (std::size_t at = 0; at < bad.size(); at += 5) framer.feed(ByteView(bad).subspan(at, std::min<std::size_t>(5, bad.size() - at)), sink);
    CHECK(sink.pdus.size() == ndpi_session().size());
    CHECK(framer.skipped_bytes() == 16);
}

TEST_CASE("after a gap the framer drops the partial PDU and finds the next one") {
    const auto all = whole_session();
    const auto first = from_hex(ndpi_session()[0]);
    PduFramer framer;
    Collect sink;
    framer.feed(ByteView(all).first(first.size() + 10), sink);  // bind + 10 bytes of the resp
    CHECK(sink.pdus.size() == 1);
    framer.on_gap();
    CHECK(framer.buffered() == 0);
    // The stream continues in the middle of the bind resp's body.
    const auto second = from_hex(ndpi_session()[1]);
    framer.feed(ByteView(all).subspan(first.size() + second.size() - 5), sink);
    CHECK(sink.pdus.size() == ndpi_session().size() - 1);
    CHECK(sink.pdus[1] == from_hex(ndpi_session()[2]));
}

TEST_CASE("a PDU larger than max_pdu_size is not buffered") {
    FramerLimits limits;
    limits.max_pdu_size = 1024;
    PduFramer framer(limits);
    Collect sink;
    std::vector<std::uint8_t> big = {0, 0, 0x10, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1};
    big.resize(2000, 'x');
    framer.feed(big, sink);
    CHECK(sink.pdus.empty());
    CHECK(framer.buffered() < 16);
    CHECK(framer.skipped_bytes() >= 1984);
}

TEST_CASE("plausible_header wants a known command, a sane length and zero status on requests") {
    CHECK(plausible_header({16, command::enquire_link, 0, 1}, 1024));
    CHECK_FALSE(plausible_header({16, command::enquire_link, 5, 1}, 1024));
    CHECK(plausible_header({16, command::submit_sm | command::response_bit, 0x45, 1}, 1024));
    CHECK_FALSE(plausible_header({15, command::enquire_link, 0, 1}, 1024));
    CHECK_FALSE(plausible_header({2048, command::submit_sm, 0, 1}, 1024));
    CHECK_FALSE(plausible_header({16, 0x77, 0, 1}, 1024));
}
