// Same-length rewrites of SMPP PDUs (inline reject and drop).
#include <doctest/doctest.h>

#include <variant>

#include "pcapgen/smpp_builder.h"
#include "smpp/pdu.h"
#include "smpp/rewrite.h"

using namespace scamgate;
namespace sb = scamgate::pcapgen::smpp;

namespace {

smpp::Pdu parsed(const pcapgen::Bytes& bytes) {
    smpp::Pdu pdu;
    REQUIRE(smpp::parse_pdu(bytes, pdu).ok);
    return pdu;
}

}  // namespace

TEST_CASE("smpp rewrite: a refused submit_sm and data_sm get an invalid destination TON and nothing else changes") {
    sb::ShortMessage m;
    m.service_type = "CMT";
    m.source = {"VCB-Bank", 5, 0};
    m.destination = {"84903002002", 1, 1};
    m.short_message = {'h', 'i'};
    sb::DataSm d;
    d.service_type = "";
    d.source = {"8490111", 1, 1};
    d.destination = {"84903002003", 1, 1};
    for (pcapgen::Bytes bytes : {sb::submit_sm(7, m), sb::data_sm(8, d)}) {
        const pcapgen::Bytes before = bytes;
        const smpp::Pdu pdu = parsed(bytes);
        const auto& message = std::get<smpp::ShortMessage>(pdu.body);
        REQUIRE(smpp::refuse_destination(bytes, message));
        CHECK(bytes.size() == before.size());
        const smpp::Pdu after = parsed(bytes);
        const auto& changed = std::get<smpp::ShortMessage>(after.body);
        REQUIRE(changed.destinations.size() == 1);
        CHECK(changed.destinations[0].ton == smpp::kInvalidTon);
        CHECK(changed.destinations[0].value == message.destinations[0].value);
        CHECK(changed.source.value == message.source.value);
        std::size_t differing = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i) differing += bytes[i] != before[i] ? 1 : 0;
        CHECK(differing == 1);
    }
}

TEST_CASE("smpp rewrite: a response's command_status is set, a short buffer is refused") {
    pcapgen::Bytes response = sb::submit_sm_resp(7, "msg-1");
    REQUIRE(smpp::set_command_status(response, 0x45));
    CHECK(parsed(response).header.status == 0x45);
    pcapgen::Bytes too_short(10, 0);
    CHECK_FALSE(smpp::set_command_status(too_short, 0x45));
    sb::ShortMessage m;
    m.source = {"1", 1, 1};
    const smpp::Pdu pdu = parsed(sb::submit_sm(1, m));
    pcapgen::Bytes header_only(16, 0);
    CHECK_FALSE(smpp::refuse_destination(header_only, std::get<smpp::ShortMessage>(pdu.body)));
}
