#include <doctest/doctest.h>

#include "sms_test_util.h"
#include "sms/dcs.h"
#include "sms/udh.h"

using namespace scamgate::sms;
using scamgate::sms::test::has;
using scamgate::sms::test::names;
using scamgate::sms::test::hex;
using scamgate::sms::test::only;

TEST_CASE("TP-DCS general data coding groups (TS 23.038 section 4)") {
    CHECK(interpret_tp_dcs(0x00).encoding == Encoding::gsm7);
    CHECK_FALSE(interpret_tp_dcs(0x00).message_class.has_value());
    CHECK(interpret_tp_dcs(0x04).encoding == Encoding::binary);
    CHECK(interpret_tp_dcs(0x08).encoding == Encoding::ucs2);
    CHECK(interpret_tp_dcs(0x0C).encoding == Encoding::gsm7);  // reserved alphabet -> default
    // 0x10: class 0 ("flash"), default alphabet; 0x18: class 0 UCS-2; 0x16: class 2 8-bit.
    CHECK(interpret_tp_dcs(0x10).message_class == std::optional<std::uint8_t>{0});
    CHECK(interpret_tp_dcs(0x18).encoding == Encoding::ucs2);
    CHECK(interpret_tp_dcs(0x18).message_class == std::optional<std::uint8_t>{0});
    CHECK(interpret_tp_dcs(0x16).encoding == Encoding::binary);
    CHECK(interpret_tp_dcs(0x16).message_class == std::optional<std::uint8_t>{2});
    // Bit 4 clear: bits 1..0 are not a class.
    CHECK_FALSE(interpret_tp_dcs(0x03).message_class.has_value());
    CHECK(interpret_tp_dcs(0x20).compressed);
    CHECK(interpret_tp_dcs(0x28).encoding == Encoding::ucs2);
    CHECK(interpret_tp_dcs(0x28).compressed);
    CHECK_FALSE(interpret_tp_dcs(0x08).compressed);
    // 01xx: marked for automatic deletion, same layout.
    CHECK(interpret_tp_dcs(0x48).encoding == Encoding::ucs2);
    CHECK(interpret_tp_dcs(0x51).message_class == std::optional<std::uint8_t>{1});
}

TEST_CASE("TP-DCS special groups") {
    CHECK(interpret_tp_dcs(0x80).encoding == Encoding::gsm7);  // reserved group
    CHECK(interpret_tp_dcs(0xC0).encoding == Encoding::gsm7);  // MWI discard
    CHECK(interpret_tp_dcs(0xD8).encoding == Encoding::gsm7);  // MWI store
    CHECK(interpret_tp_dcs(0xE0).encoding == Encoding::ucs2);  // MWI store, UCS-2
    CHECK_FALSE(interpret_tp_dcs(0xE0).message_class.has_value());
    CHECK(interpret_tp_dcs(0xF0).encoding == Encoding::gsm7);
    CHECK(interpret_tp_dcs(0xF0).message_class == std::optional<std::uint8_t>{0});
    CHECK(interpret_tp_dcs(0xF5).encoding == Encoding::binary);  // WAP push: 8-bit, class 1
    CHECK(interpret_tp_dcs(0xF5).message_class == std::optional<std::uint8_t>{1});
    CHECK(interpret_tp_dcs(0xF2).message_class == std::optional<std::uint8_t>{2});
}

TEST_CASE("SMPP data_coding") {
    CHECK(interpret_smpp_data_coding(0, Encoding::gsm7).encoding == Encoding::gsm7);
    CHECK(interpret_smpp_data_coding(0, Encoding::latin1).encoding == Encoding::latin1);
    CHECK(interpret_smpp_data_coding(1, Encoding::gsm7).encoding == Encoding::ascii);
    CHECK(interpret_smpp_data_coding(2, Encoding::gsm7).encoding == Encoding::binary);
    CHECK(interpret_smpp_data_coding(3, Encoding::gsm7).encoding == Encoding::latin1);
    CHECK(interpret_smpp_data_coding(4, Encoding::gsm7).encoding == Encoding::binary);
    CHECK(interpret_smpp_data_coding(8, Encoding::gsm7).encoding == Encoding::ucs2);
    for (unsigned dc : {5u, 6u, 7u, 9u, 0x0Au, 0x0Du, 0x0Eu, 0x0Bu, 0x40u, 0xBFu}) {
        CAPTURE(dc);
        CHECK(interpret_smpp_data_coding(static_cast<std::uint8_t>(dc), Encoding::gsm7).encoding == Encoding::unknown);
    }
    CHECK(interpret_smpp_data_coding(0xF0, Encoding::latin1).encoding == Encoding::gsm7);
    CHECK(interpret_smpp_data_coding(0xF0, Encoding::latin1).message_class == std::optional<std::uint8_t>{0});
    CHECK(interpret_smpp_data_coding(0xE0, Encoding::gsm7).encoding == Encoding::ucs2);
    CHECK(interpret_smpp_data_coding(0xF6, Encoding::gsm7).encoding == Encoding::binary);
}

TEST_CASE("UDH: concatenation with 8-bit and 16-bit references") {
    auto r = parse_udh(hex("0500032A0301B2EF"));
    REQUIRE(r.udh);
    CHECK(r.anomalies.none());
    CHECK(r.udh->length == 6);
    REQUIRE(r.udh->concat);
    CHECK(r.udh->concat->reference == 0x2A);
    CHECK(r.udh->concat->total == 3);
    CHECK(r.udh->concat->sequence == 1);
    CHECK_FALSE(r.udh->concat->reference_16bit);
    CHECK(r.udh->other.empty());

    r = parse_udh(hex("06080412340303683A"));
    REQUIRE(r.udh);
    CHECK(r.udh->length == 7);
    REQUIRE(r.udh->concat);
    CHECK(r.udh->concat->reference == 0x1234);
    CHECK(r.udh->concat->sequence == 3);
    CHECK(r.udh->concat->reference_16bit);
}

TEST_CASE("UDH: port addressing and other elements") {
    auto r = parse_udh(hex("0605040B8423F00106"));  // WAP push: 2948 <- 9200
    REQUIRE(r.udh);
    CHECK(r.anomalies.none());
    REQUIRE(r.udh->ports);
    CHECK(r.udh->ports->destination == 2948);
    CHECK(r.udh->ports->source == 9200);
    CHECK(r.udh->ports->bits16);
    CHECK_FALSE(r.udh->concat);

    r = parse_udh(hex("040402E2E2DEAD"));
    REQUIRE(r.udh);
    REQUIRE(r.udh->ports);
    CHECK(r.udh->ports->destination == 0xE2);
    CHECK_FALSE(r.udh->ports->bits16);

    // Concat, then a national language single shift (0x24), then an empty element 0x70.
    r = parse_udh(hex("0A0003010201240101700041"));
    REQUIRE(r.udh);
    CHECK(r.anomalies.none());
    CHECK(r.udh->length == 11);
    REQUIRE(r.udh->concat);
    REQUIRE(r.udh->other.size() == 2);
    CHECK(r.udh->other[0].iei == 0x24);
    CHECK(r.udh->other[0].data == std::vector<std::uint8_t>{0x01});
    CHECK(r.udh->other[1].iei == 0x70);
    CHECK(r.udh->other[1].data.empty());

    // A port element of the wrong length is kept raw.
    r = parse_udh(hex("0305010B41"));
    REQUIRE(r.udh);
    CHECK_FALSE(r.udh->ports);
    REQUIRE(r.udh->other.size() == 1);
    CHECK(r.udh->other[0].iei == 0x05);

    // UDHL 0: a header with no elements.
    r = parse_udh(hex("0041"));
    REQUIRE(r.udh);
    CHECK(r.udh->length == 1);
    CHECK(r.anomalies.none());
}

TEST_CASE("UDH: bad concatenation is dropped, the rest still parses") {
    struct Case {
        const char* hex;
        const char* why;
    };
    const Case cases[] = {
        {"0B" "00032A0300" "05040B8423F0", "sequence 0"},
        {"0B" "00032A0304" "05040B8423F0", "sequence past total"},
        {"0B" "00032A0000" "05040B8423F0", "total 0"},
        {"0A" "00022A03" "05040B8423F0" "41", "element length 2"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.why);
        const auto r = parse_udh(hex(c.hex));
        REQUIRE(r.udh);
        CHECK_FALSE(r.udh->concat);
        CHECK(names(r.anomalies) == "sms.udh_bad_concat");
        REQUIRE(r.udh->ports);
        CHECK(r.udh->ports->destination == 2948);
    }
    // 16-bit concat with sequence > total.
    const auto r = parse_udh(hex("060804ABCD0205"));
    REQUIRE(r.udh);
    CHECK_FALSE(r.udh->concat);
    CHECK(names(r.anomalies) == "sms.udh_bad_concat");
}

TEST_CASE("UDH: lengths past the data") {
    auto r = parse_udh({});
    CHECK_FALSE(r.udh);
    CHECK(names(r.anomalies) == "sms.udh_empty");

    r = parse_udh(hex("0500032A03"));  // UDHL 5, only 4 octets follow
    CHECK_FALSE(r.udh);
    CHECK(names(r.anomalies) == "sms.udh_past_payload");

    r = parse_udh(hex("FF0003"));
    CHECK_FALSE(r.udh);
    CHECK(has(r.anomalies, SmsAnomaly::udh_past_payload));

    // An element that runs past UDHL (but not past the data): earlier elements stay.
    r = parse_udh(hex("070003010201240541424344"));
    REQUIRE(r.udh);
    CHECK(r.udh->length == 8);
    REQUIRE(r.udh->concat);
    CHECK(r.udh->other.empty());
    CHECK(names(r.anomalies) == "sms.udh_past_payload");

    // A lone IEI without a length octet at the end of the header.
    r = parse_udh(hex("0100"));
    REQUIRE(r.udh);
    CHECK(names(r.anomalies) == "sms.udh_past_payload");
}
