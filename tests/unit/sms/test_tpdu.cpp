#include <doctest/doctest.h>

#include <string>

#include "sms_test_util.h"
#include "sms/tpdu.h"

using namespace scamgate::sms;
using scamgate::ByteView;
using scamgate::sms::test::has;
using scamgate::sms::test::names;
using scamgate::sms::test::hex;
using scamgate::sms::test::kFffd;
using scamgate::sms::test::only;
using namespace std::literals;

namespace {

// The classic SMS-SUBMIT: "hellohello" to +46708251358, relative validity period 0xAA. Usually
// quoted as the AT+CMGS PDU "0011000B91...", whose first octet (00: no SMSC address) is not part
// of the TPDU.
constexpr std::string_view kAtCmgsPdu = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
constexpr std::string_view kHelloSubmit = kAtCmgsPdu.substr(2);
// The same text in an SMS-DELIVER from 27838890001 (TON 4, NPI 8), SCTS 99-03-29 15:16:59.
constexpr std::string_view kHelloDeliver = "040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";
// SMS-DELIVER from alphanumeric "VCB-Bank", UCS-2: "Tài khoản của bạn đã bị khóa 🔒".
constexpr std::string_view kVcbDeliver =
    "040ED0D6A1B0250CBBD70008423051010354823E005400E000690020006B0068006F1EA3006E002000631EE7006100"
    "2000621EA1006E0020011100E3002000621ECB0020006B006800F300610020D83DDD12";
// SMS-DELIVER from alphanumeric "Google", 7-bit: "G-123456 is your Google verification code."
constexpr std::string_view kGoogleDeliver =
    "040BD0C7F7FBCC2E030000423051010354822AC7564C36A3D56CA0F41C947FD7E5A0E3FB7D669741F6B23C6D4E8FC3"
    "F4F4DB0D1ABFC96517";
// SMS-SUBMIT, no validity period, 7-bit with extension characters.
constexpr std::string_view kExtSubmit =
    "01070C91447700091032000029D7B41B5483C13665D006E57EDF3729D0863766A7C7EB8D0FB4E9813614D00608DABC"
    "4021";
// A 3-part concatenated SMS-SUBMIT to +84912345678 (UDHI, 7-bit), 8-bit reference 0x2A (6-octet
// UDH: 7 septets, 1 fill bit) and 16-bit reference 0x1234 (7-octet UDH: 8 septets, no fill).
constexpr std::string_view kConcat8[] = {
    "51050B914819325476F80000A7200500032A0301B2EFBA1C644D97E9E3775B1C76AF41E1F1F85D77D341",
    "51060B914819325476F80000A71C0500032A0302D27310FB3D5E97C92E90B52C4F9BF3A0301D04",
    "51070B914819325476F80000A7200500032A0303D0743A5CF77AD9C7E2D6BC3CAECBCB2EFA1B0E72BFEF",
};
constexpr std::string_view kConcat16[] = {
    "51100B914819325476F80000A72106080412340301D9775D0EB2A6CBF4F1BB2D0EBBD7A0F078FCAEBBE920",
    "51110B914819325476F80000A71D06080412340302E93988FD1EAFCB6417C85A96A7CD7950980E02",
    "51120B914819325476F80000A72106080412340303683A1DAE7BBDEC63716B5E1ED7E56517FD0D07B9DF77",
};
constexpr std::string_view kConcatText[] = {"Your Vietcombank account ", "is locked. Verify at ",
                                            "http://vcb-secure.top now"};
// SMS-DELIVER, 8-bit class 1, WAP push ports 2948 <- 9200.
constexpr std::string_view kWapPushDeliver =
    "440B912143658709F100F5423051010354822A0605040B8423F00106246170706C69636174696F6E2F766E642E7761"
    "702E6D6D732D6D65737361676500";
// SMS-DELIVER, 8-bit, 8-bit ports 226 <- 226.
constexpr std::string_view kPort8Deliver = "400B912143658709F100044230510103548209040402E2E2DEADBEEF";
// RP-DATA MS->network to SMSC +447785016005 carrying kHelloSubmit, and network->MS from that
// SMSC carrying kGoogleDeliver.
constexpr std::string_view kRpMo = "000100079144775810065017" "11000B916407281553F80000AA0AE8329BFD4697D9EC37";
constexpr std::string_view kRpMt =
    "010207914477581006500038040BD0C7F7FBCC2E030000423051010354822AC7564C36A3D56CA0F41C947FD7E5A0E3"
    "FB7D669741F6B23C6D4E8FC3F4F4DB0D1ABFC96517";

std::optional<Tpdu> decode(std::string_view hex_text, bool network_to_ms, SmsAnomalies& anomalies) {
    const auto bytes = hex(hex_text);
    return decode_tpdu(bytes, network_to_ms, anomalies);
}

}  // namespace

TEST_CASE("classic SMS-SUBMIT: hellohello to +46708251358") {
    SmsAnomalies anomalies;
    const auto t = decode(kHelloSubmit, false, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    CHECK(t->anomalies.none());
    CHECK(t->type == TpduType::submit);
    CHECK(t->message_reference == 0);
    CHECK(t->address.value == "46708251358");
    CHECK(t->address.ton == 1);
    CHECK(t->address.npi == 1);
    CHECK_FALSE(t->address.alphanumeric());
    CHECK(t->protocol_id == 0);
    CHECK(t->dcs == 0);
    CHECK(t->coding.encoding == Encoding::gsm7);
    CHECK_FALSE(t->status_report_request);
    CHECK_FALSE(t->reply_path);
    CHECK_FALSE(t->udh);
    CHECK(t->user_data_length == 10);
    CHECK(t->text.utf8 == "hellohello");
    CHECK(t->binary_hex.empty());
}

TEST_CASE("classic SMS-DELIVER from 27838890001 (national, TON 4 NPI 8)") {
    SmsAnomalies anomalies;
    const auto t = decode(kHelloDeliver, true, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    CHECK(t->type == TpduType::deliver);
    CHECK(t->address.value == "27838890001");
    CHECK(t->address.ton == 4);
    CHECK(t->address.npi == 8);
    CHECK(t->text.utf8 == "hellohello");
}

TEST_CASE("SMS-DELIVER from alphanumeric VCB-Bank in UCS-2 Vietnamese with an emoji") {
    SmsAnomalies anomalies;
    const auto t = decode(kVcbDeliver, true, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    CHECK(t->address.alphanumeric());
    CHECK(t->address.value == "VCB-Bank");
    CHECK(t->address.ton == 5);
    CHECK(t->address.npi == 0);
    CHECK(t->dcs == 0x08);
    CHECK(t->coding.encoding == Encoding::ucs2);
    CHECK(t->user_data_length == 62);
    CHECK(t->text.utf8 == "Tài khoản của bạn đã bị khóa 🔒");
    CHECK(t->text.replaced == 0);
}

TEST_CASE("SMS-DELIVER from alphanumeric Google, 7-bit") {
    SmsAnomalies anomalies;
    const auto t = decode(kGoogleDeliver, true, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    CHECK(t->address.value == "Google");
    CHECK(t->address.alphanumeric());
    CHECK(t->text.utf8 == "G-123456 is your Google verification code.");
}

TEST_CASE("SMS-SUBMIT with GSM extension characters, no validity period") {
    SmsAnomalies anomalies;
    const auto t = decode(kExtSubmit, false, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    CHECK(t->message_reference == 7);
    CHECK(t->address.value == "447700900123");
    CHECK(t->user_data_length == 41);  // 33 characters, 8 of them ESC pairs
    CHECK(t->text.utf8 == "Win 500€ {now} [click] ~ ^ | \\ !");
}

TEST_CASE("3-part concatenated SMS-SUBMIT, 8-bit and 16-bit references, fill bits") {
    for (int wide = 0; wide < 2; ++wide) {
        std::string joined;
        for (int part = 0; part < 3; ++part) {
            CAPTURE(wide);
            CAPTURE(part);
            SmsAnomalies anomalies;
            const auto t = decode(wide ? kConcat16[part] : kConcat8[part], false, anomalies);
            REQUIRE(t);
            CHECK(anomalies.none());
            CHECK(t->message_reference == (wide ? 0x10 : 0x05) + part);
            CHECK(t->address.value == "84912345678");
            REQUIRE(t->udh);
            CHECK(t->udh->length == (wide ? 7u : 6u));
            REQUIRE(t->udh->concat);
            CHECK(t->udh->concat->reference == (wide ? 0x1234 : 0x2A));
            CHECK(t->udh->concat->reference_16bit == (wide == 1));
            CHECK(t->udh->concat->total == 3);
            CHECK(t->udh->concat->sequence == part + 1);
            CHECK(t->text.utf8 == kConcatText[part]);
            joined += t->text.utf8;
        }
        CHECK(joined == "Your Vietcombank account is locked. Verify at http://vcb-secure.top now");
    }
}

TEST_CASE("SMS-DELIVER with port addressing keeps 8-bit data as hex") {
    SmsAnomalies anomalies;
    auto t = decode(kWapPushDeliver, true, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    CHECK(t->address.value == "12345678901");
    CHECK(t->dcs == 0xF5);
    CHECK(t->coding.encoding == Encoding::binary);
    CHECK(t->coding.message_class == std::optional<std::uint8_t>{1});
    CHECK(t->status_report_request == false);
    REQUIRE(t->udh);
    REQUIRE(t->udh->ports);
    CHECK(t->udh->ports->destination == 2948);
    CHECK(t->udh->ports->source == 9200);
    CHECK(t->text.utf8.empty());
    CHECK(t->binary_hex == "0106246170706c69636174696f6e2f766e642e7761702e6d6d732d6d65737361676500");

    t = decode(kPort8Deliver, true, anomalies);
    REQUIRE(t);
    REQUIRE(t->udh);
    REQUIRE(t->udh->ports);
    CHECK(t->udh->ports->destination == 226);
    CHECK_FALSE(t->udh->ports->bits16);
    CHECK(t->binary_hex == "deadbeef");
}

TEST_CASE("SMS-SUBMIT validity period formats and first-octet flags") {
    // VPF 11 (absolute, 7 octets), VPF 01 (enhanced, 7 octets), VPF 00; "Hello" to 123.
    for (std::string_view first : {"19", "09", "01"}) {
        CAPTURE(first);
        const std::string vp = first == "01" ? "" : "42305101035482";
        const std::string pdu = std::string(first) + "00039121F30000" + vp + "05C8329BFD06";
        SmsAnomalies anomalies;
        const auto t = decode(pdu, false, anomalies);
        REQUIRE(t);
        CHECK(anomalies.none());
        CHECK(t->address.value == "123");
        CHECK(t->text.utf8 == "Hello");
    }
    // TP-SRR and TP-RP set, UDL 0.
    SmsAnomalies anomalies;
    auto t = decode("B12A038185F20000AA00", false, anomalies);
    REQUIRE(t);
    CHECK(t->status_report_request);
    CHECK(t->reply_path);
    CHECK(t->message_reference == 0x2A);
    CHECK(t->address.value == "582");
    CHECK(t->address.ton == 0);
    CHECK(t->text.utf8.empty());
    CHECK(anomalies.none());
    // Semi-octets 1010..1110 are * # a b c.
    t = decode("0100058BBAC1FE000000", false, anomalies);
    REQUIRE(t);
    CHECK(t->address.value == "*#1ac");
    CHECK(t->address.npi == 0xB);
}

TEST_CASE("UCS-2 concatenated part: header in octets, no fill") {
    // kVcbDeliver with UDHI and a concat element: UDL 6 + 62.
    const std::string pdu =
        "440ED0D6A1B0250CBBD7000842305101035482440500037F0201" + std::string(kVcbDeliver.substr(40));
    SmsAnomalies anomalies;
    const auto t = decode(pdu, true, anomalies);
    REQUIRE(t);
    CHECK(anomalies.none());
    REQUIRE(t->udh);
    REQUIRE(t->udh->concat);
    CHECK(t->udh->concat->reference == 0x7F);
    CHECK(t->udh->concat->total == 2);
    CHECK(t->text.utf8 == "Tài khoản của bạn đã bị khóa 🔒");
}

TEST_CASE("direction decides how TP-MTI is read") {
    SmsAnomalies anomalies;
    CHECK_FALSE(decode(kHelloSubmit, true, anomalies));  // SMS-SUBMIT-REPORT position
    CHECK(names(anomalies) == "sms.tpdu_unsupported_type");
    anomalies.reset();
    CHECK_FALSE(decode(kHelloDeliver, false, anomalies));  // SMS-DELIVER-REPORT position
    CHECK(names(anomalies) == "sms.tpdu_unsupported_type");
    anomalies.reset();
    CHECK_FALSE(decode("0201", true, anomalies));  // SMS-STATUS-REPORT
    CHECK(names(anomalies) == "sms.tpdu_unsupported_type");
    anomalies.reset();
    CHECK_FALSE(decode("02", false, anomalies));  // SMS-COMMAND
    CHECK(names(anomalies) == "sms.tpdu_unsupported_type");
    anomalies.reset();
    CHECK_FALSE(decode("03", false, anomalies));  // reserved
    CHECK(names(anomalies) == "sms.tpdu_unsupported_type");
}

TEST_CASE("bad addresses") {
    SmsAnomalies anomalies;
    CHECK_FALSE(decode("0100FF91" + std::string(300, '1'), false, anomalies));
    CHECK(names(anomalies) == "sms.tpdu_bad_address");
    anomalies.reset();
    CHECK_FALSE(decode("041591" + std::string(22, '1') + std::string(20, '0'), true, anomalies));  // 21 digits
    CHECK(names(anomalies) == "sms.tpdu_bad_address");
    anomalies.reset();
    // 20 digits is the maximum and is fine.
    const auto t = decode("041491" + std::string(20, '1') + std::string(20, '0'), true, anomalies);
    REQUIRE(t);
    CHECK(t->address.value == std::string(20, '1'));
    CHECK(anomalies.none());
    // Length within limits but the digits are not there.
    CHECK_FALSE(decode("01000B91640728", false, anomalies));
    CHECK(names(anomalies) == "sms.tpdu_truncated");
}

TEST_CASE("user data problems keep the TPDU") {
    SUBCASE("septet count past the data") {
        SmsAnomalies anomalies;
        const auto t = decode("11000B916407281553F80000AA14E8329BFD4697D9EC37", false, anomalies);
        REQUIRE(t);
        CHECK(t->text.utf8 == "hellohello");
        CHECK(names(anomalies) == "sms.septets_past_data");
        CHECK(names(t->anomalies) == names(anomalies));
        CHECK(names(t->text.anomalies) == names(anomalies));
    }
    SUBCASE("UDHL past the user data") {
        SmsAnomalies anomalies;
        // TP-UDL 10 septets = 9 octets; UDHL 10 needs 11.
        const auto t = decode("4100039121F300000A0A000301020141424343", false, anomalies);
        REQUIRE(t);
        CHECK_FALSE(t->udh);
        CHECK(t->text.utf8.empty());
        CHECK(t->binary_hex == "0a0003010201414243");
        CHECK(names(anomalies) == "sms.udh_past_payload");
    }
    SUBCASE("header longer than TP-UDL in septets") {
        SmsAnomalies anomalies;
        // TP-UDL 5 septets; a 5-octet header takes 6.
        const auto t = decode("4100039121F30000050470" "02AABB", false, anomalies);
        REQUIRE(t);
        REQUIRE(t->udh);
        CHECK(t->udh->other.size() == 1);
        CHECK(t->text.utf8.empty());
        CHECK(names(anomalies) == "sms.udh_past_payload");
    }
    SUBCASE("UDHI with no user data") {
        SmsAnomalies anomalies;
        const auto t = decode("4100039121F3000000", false, anomalies);
        REQUIRE(t);
        CHECK_FALSE(t->udh);
        CHECK(names(anomalies) == "sms.udh_empty");
    }
    SUBCASE("bad concat in a TPDU: dropped, text still decoded") {
        SmsAnomalies anomalies;
        const auto t = decode("51050B914819325476F80000A7200500032A0304B2EFBA1C644D97E9E3775B1C76AF41E1F1F85D77D341",
                              false, anomalies);
        REQUIRE(t);
        REQUIRE(t->udh);
        CHECK_FALSE(t->udh->concat);
        CHECK(t->text.utf8 == kConcatText[0]);
        CHECK(names(anomalies) == "sms.udh_bad_concat");
    }
    SUBCASE("UCS-2 with an odd TP-UDL") {
        SmsAnomalies anomalies;
        const auto t = decode("00039121F3000842305101035482030041000000", true, anomalies);
        REQUIRE(t);
        CHECK(t->text.utf8 == "A"s + std::string(kFffd));
        CHECK(names(anomalies) == "sms.ucs2_odd_length");
    }
    SUBCASE("UCS-2 TP-UDL past the data") {
        SmsAnomalies anomalies;
        const auto t = decode("00039121F30008423051010354820A00480069", true, anomalies);
        REQUIRE(t);
        CHECK(t->text.utf8 == "Hi");
        CHECK(names(anomalies) == "sms.tpdu_truncated");
    }
    SUBCASE("compressed data is not decoded") {
        SmsAnomalies anomalies;
        const auto t = decode("00039121F300204230510103548203AABBCC", true, anomalies);
        REQUIRE(t);
        CHECK(t->coding.compressed);
        CHECK(t->text.utf8.empty());
        CHECK(t->binary_hex == "aabbcc");
        CHECK(anomalies.none());
    }
}

TEST_CASE("every prefix of a valid TPDU is rejected or flagged, never read past") {
    const std::pair<std::string_view, bool> vectors[] = {
        {kHelloSubmit, false}, {kHelloDeliver, true}, {kVcbDeliver, true}, {kGoogleDeliver, true},
        {kExtSubmit, false},   {kConcat8[0], false},  {kConcat16[2], false}, {kWapPushDeliver, true},
        {kPort8Deliver, true},
    };
    for (const auto& vector : vectors) {
        const std::string_view text = vector.first;
        const bool network_to_ms = vector.second;
        const auto full = hex(text);
        SmsAnomalies ok;
        REQUIRE(decode_tpdu(full, network_to_ms, ok));
        REQUIRE(ok.none());
        for (std::size_t n = 0; n < full.size(); ++n) {
            CAPTURE(text);
            CAPTURE(n);
            // An exactly-sized copy, so a sanitizer build sees any overread.
            const std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
            SmsAnomalies anomalies;
            const auto t = decode_tpdu(prefix, network_to_ms, anomalies);
            CHECK(anomalies.any());
            if (t) {
                CHECK(names(t->anomalies) == names(anomalies));
            } else {
                CHECK((has(anomalies, SmsAnomaly::tpdu_truncated) || has(anomalies, SmsAnomaly::tpdu_bad_address)));
            }
        }
    }
}

TEST_CASE("RP-DATA MS->network wraps an SMS-SUBMIT") {
    const auto bytes = hex(kRpMo);
    SmsAnomalies anomalies;
    const auto rp = decode_rp(bytes, anomalies);
    REQUIRE(rp);
    CHECK(anomalies.none());
    CHECK(rp->type == RpType::data_ms_to_network);
    CHECK(rp->message_reference == 1);
    CHECK(rp->originator.value.empty());
    CHECK(rp->destination.value == "447785016005");
    CHECK(rp->destination.ton == 1);
    CHECK(rp->destination.npi == 1);
    CHECK(rp->user_data.size() == 23);
    CHECK(rp->user_data.data() == bytes.data() + 12);
    const auto t = decode_tpdu(rp->user_data, false, anomalies);
    REQUIRE(t);
    CHECK(t->address.value == "46708251358");
    CHECK(t->text.utf8 == "hellohello");
    CHECK(anomalies.none());
}

TEST_CASE("RP-DATA network->MS wraps an SMS-DELIVER") {
    const auto bytes = hex(kRpMt);
    SmsAnomalies anomalies;
    const auto rp = decode_rp(bytes, anomalies);
    REQUIRE(rp);
    CHECK(rp->type == RpType::data_network_to_ms);
    CHECK(rp->message_reference == 2);
    CHECK(rp->originator.value == "447785016005");
    CHECK(rp->destination.value.empty());
    const auto t = decode_tpdu(rp->user_data, true, anomalies);
    REQUIRE(t);
    CHECK(t->type == TpduType::deliver);
    CHECK(t->address.value == "Google");
    CHECK(t->text.utf8 == "G-123456 is your Google verification code.");
    CHECK(anomalies.none());
}

TEST_CASE("RP-ACK, RP-ERROR and RP-SMMA carry no SMS") {
    for (std::string_view rp : {"0201", "0301410103", "04012A", "05016F", "0601", "0701", "F301"}) {
        CAPTURE(rp);
        const auto bytes = hex(rp);
        SmsAnomalies anomalies;
        CHECK_FALSE(decode_rp(bytes, anomalies));
        CHECK(names(anomalies) == "sms.rp_unsupported_type");
    }
    // Spare bits 8..4 are ignored: 0xF8 is RP-DATA MS->network.
    const auto bytes = hex("F8070000020001");
    SmsAnomalies anomalies;
    const auto rp = decode_rp(bytes, anomalies);
    REQUIRE(rp);
    CHECK(rp->message_reference == 7);
    CHECK(rp->user_data.size() == 2);
}

TEST_CASE("truncated RP messages") {
    for (std::string_view text : {kRpMo, kRpMt}) {
        const auto full = hex(text);
        for (std::size_t n = 0; n < full.size(); ++n) {
            CAPTURE(text);
            CAPTURE(n);
            const std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
            SmsAnomalies anomalies;
            CHECK_FALSE(decode_rp(prefix, anomalies));
            CHECK(names(anomalies) == "sms.rp_truncated");
        }
    }
    SmsAnomalies anomalies;
    CHECK_FALSE(decode_rp(hex("0001FF91"), anomalies));  // RP-OA length 255
    CHECK(names(anomalies) == "sms.rp_truncated");
    anomalies.reset();
    CHECK_FALSE(decode_rp(hex("00010003914477"), anomalies));  // no RP-User-Data length
    CHECK(names(anomalies) == "sms.rp_truncated");
}

TEST_CASE("anomalies accumulate into the caller's set") {
    SmsAnomalies anomalies = only(SmsAnomaly::rp_truncated);
    const auto t = decode(kHelloSubmit, false, anomalies);
    REQUIRE(t);
    CHECK(t->anomalies.none());
    CHECK(names(anomalies) == "sms.rp_truncated");
}
