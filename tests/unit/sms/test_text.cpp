#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "sms_test_util.h"
#include "sms/text.h"

using namespace scamgate::sms;
using scamgate::ByteView;
using scamgate::as_bytes;
using scamgate::sms::test::has;
using scamgate::sms::test::names;
using scamgate::sms::test::hex;
using scamgate::sms::test::kFffd;
using scamgate::sms::test::only;
using namespace std::literals;

namespace {

bool valid_utf8(std::string_view s) {
    const auto again = decode_utf8(as_bytes(s));
    return again.anomalies.none() && again.utf8 == s;
}

}  // namespace

TEST_CASE("TS 23.038 packed 7-bit: the classic 'hellohello' and 'Hello'") {
    const auto hello2 = hex("E8329BFD4697D9EC37");
    const auto t = decode_gsm7_packed(hello2, 10, 0);
    CHECK(t.utf8 == "hellohello");
    CHECK(t.replaced == 0);
    CHECK(t.anomalies.none());
    CHECK(decode_gsm7_packed(hex("C8329BFD06"), 5, 0).utf8 == "Hello");
    // Fewer septets than the octets hold: only those are read.
    CHECK(decode_gsm7_packed(hello2, 5, 0).utf8 == "hello");
    CHECK(decode_gsm7_packed(hello2, 0, 0).utf8.empty());
}

TEST_CASE("GSM 7-bit default table: every non-ASCII character of the basic set") {
    // 0x00 @, 0x01 £, 0x03 ¥, 0x04 è, 0x10 Δ, 0x11 _, 0x12 Φ, 0x1C Æ, 0x1E ß, 0x24 ¤, 0x40 ¡,
    // 0x5B Ä, 0x5F §, 0x60 ¿, 0x7B ä, 0x7F à
    const auto t = decode_gsm7_septets(hex("000103041011121C1E24405B5F607B7F"));
    CHECK(t.utf8 == "@£¥èΔ_ΦÆß¤¡Ä§¿äà");
    CHECK(t.anomalies.none());
    CHECK(decode_gsm7_septets(hex("0A0D")).utf8 == "\n\r");
}

TEST_CASE("GSM 7-bit extension table, unpacked (SMPP) and packed (TPDU)") {
    // "€[]{}~\^|": each is ESC + code (TS 23.038 6.2.1.1).
    const auto septets = hex("1B651B3C1B3E1B281B291B3D1B2F1B141B40");
    const auto unpacked = decode_gsm7_septets(septets);
    CHECK(unpacked.utf8 == "€[]{}~\\^|");
    CHECK(unpacked.replaced == 0);
    CHECK(unpacked.anomalies.none());
    const auto packed = decode_gsm7_packed(hex("9BF286B7F16D509BD4A6B7796D281B20"), 18, 0);
    CHECK(packed.utf8 == "€[]{}~\\^|");
    CHECK(packed.anomalies.none());
    CHECK(decode_gsm7_septets(hex("1B0A")).utf8 == "\f");
}

TEST_CASE("GSM 7-bit bad escapes and high bits become U+FFFD") {
    SUBCASE("ESC at the end") {
        const auto t = decode_gsm7_septets(hex("41421B"));
        CHECK(t.utf8 == "AB"s + std::string(kFffd));
        CHECK(t.replaced == 1);
        CHECK(names(t.anomalies) == "sms.gsm7_bad_escape");
    }
    SUBCASE("ESC + a code without an extension character keeps the default-table character") {
        const auto t = decode_gsm7_septets(hex("1B411B1B42"));  // ESC A, ESC ESC, B
        CHECK(t.utf8 == std::string(kFffd) + "A" + std::string(kFffd) + "B");
        CHECK(t.replaced == 2);
        CHECK(names(t.anomalies) == "sms.gsm7_bad_escape");
    }
    SUBCASE("unpacked septet with bit 7 set") {
        const auto t = decode_gsm7_septets(hex("48C969"));
        CHECK(t.utf8 == "H"s + std::string(kFffd) + "i");
        CHECK(t.replaced == 1);
        CHECK(names(t.anomalies) == "sms.gsm7_high_bit");
    }
    SUBCASE("ESC before a high-bit byte: the byte is replaced, not taken as extension") {
        const auto t = decode_gsm7_septets(hex("1BE5"));
        CHECK(t.utf8 == std::string(kFffd));
        CHECK(has(t.anomalies, SmsAnomaly::gsm7_high_bit));
    }
}

TEST_CASE("packed 7-bit with fill bits") {
    // "Part two!" packed after one fill bit: shift the plain packing left by one bit.
    const auto plain = decode_gsm7_packed(hex("D0B09C0EA2DFDF21"), 9, 0);
    CHECK(plain.utf8 == "Part two!");
    // Same septets after a 1-bit fill (as after a 6-octet UDH).
    CHECK(decode_gsm7_packed(hex("A061391D4447CBCB65"), 10, 1).utf8 == "Part three");
    // Fill bits of 0..6 all line up: build "Hello" shifted by each amount.
    const std::uint64_t hello = 0x06FD9B32C8ULL;  // C8 32 9B FD 06 little-endian
    for (unsigned fill = 0; fill <= 6; ++fill) {
        const std::uint64_t shifted = hello << fill;
        std::vector<std::uint8_t> bytes;
        for (unsigned i = 0; i < 6; ++i) bytes.push_back(static_cast<std::uint8_t>(shifted >> (8 * i)));
        CAPTURE(fill);
        CHECK(decode_gsm7_packed(bytes, 5, fill).utf8 == "Hello");
    }
}

TEST_CASE("packed 7-bit: septet count past the data stops decoding") {
    const auto t = decode_gsm7_packed(hex("C8329BFD06"), 160, 0);
    // 5 octets hold 5 whole septets (35 bits); the 6th would need bits 35..41.
    CHECK(t.utf8 == "Hello");
    CHECK(names(t.anomalies) == "sms.septets_past_data");
    const auto empty = decode_gsm7_packed({}, 1, 0);
    CHECK(empty.utf8.empty());
    CHECK(names(empty.anomalies) == "sms.septets_past_data");
    // Huge count, huge fill: nothing is read past the span.
    CHECK(names(decode_gsm7_packed(hex("FF"), SIZE_MAX, 0).anomalies) == "sms.septets_past_data");
    CHECK(decode_gsm7_packed(hex("FFFF"), 1, 4000000000u).utf8.empty());
}

TEST_CASE("UCS-2: Vietnamese phishing text with an emoji surrogate pair") {
    const auto bytes = hex(
        "005400E000690020006B0068006F1EA3006E002000631EE70061002000621EA1006E0020011100E3002000621ECB"
        "0020006B006800F300610020D83DDD12");
    const auto t = decode_ucs2(bytes);
    CHECK(t.utf8 == "Tài khoản của bạn đã bị khóa 🔒");
    CHECK(t.utf8.ends_with("\xF0\x9F\x94\x92"));  // U+1F512
    CHECK(t.replaced == 0);
    CHECK(t.anomalies.none());
}

TEST_CASE("UCS-2 bad input") {
    SUBCASE("odd byte count: the even part is decoded, the last byte replaced") {
        const auto t = decode_ucs2(hex("0048006900"));
        CHECK(t.utf8 == "Hi"s + std::string(kFffd));
        CHECK(t.replaced == 1);
        CHECK(names(t.anomalies) == "sms.ucs2_odd_length");
    }
    SUBCASE("unpaired high surrogate followed by a letter") {
        const auto t = decode_ucs2(hex("D83D0041"));
        CHECK(t.utf8 == std::string(kFffd) + "A");
        CHECK(names(t.anomalies) == "sms.ucs2_unpaired_surrogate");
    }
    SUBCASE("high surrogate at the end") {
        const auto t = decode_ucs2(hex("0041D83D"));
        CHECK(t.utf8 == "A"s + std::string(kFffd));
        CHECK(t.replaced == 1);
    }
    SUBCASE("lone low surrogate, and two high surrogates in a row") {
        const auto t = decode_ucs2(hex("DD12D83DD83DDD12"));
        CHECK(t.utf8 == std::string(kFffd) + std::string(kFffd) + "🔒");
        CHECK(t.replaced == 2);
        CHECK(names(t.anomalies) == "sms.ucs2_unpaired_surrogate");
    }
    SUBCASE("high surrogate then odd trailing byte") {
        const auto t = decode_ucs2(hex("D83DDD"));
        CHECK(t.replaced == 2);
        CHECK(has(t.anomalies, SmsAnomaly::ucs2_odd_length));
        CHECK(has(t.anomalies, SmsAnomaly::ucs2_unpaired_surrogate));
    }
}

TEST_CASE("Latin-1, ASCII and UTF-8") {
    const auto latin = decode_latin1(hex("436166E9A3FF"));
    CHECK(latin.utf8 == "Café£ÿ");
    CHECK(latin.anomalies.none());
    const auto ascii = decode_ascii(hex("4F4B80"));
    CHECK(ascii.utf8 == "OK"s + std::string(kFffd));
    CHECK(names(ascii.anomalies) == "sms.ascii_high_byte");
    const auto good = decode_utf8(as_bytes("Tài khoản 🔒"));
    CHECK(good.utf8 == "Tài khoản 🔒");
    CHECK(good.anomalies.none());
}

TEST_CASE("UTF-8: ill-formed sequences become one U+FFFD per maximal subpart") {
    const std::string r(kFffd);
    struct Case {
        std::string_view hex;
        std::string expected;
        std::uint32_t replaced;
    };
    const Case cases[] = {
        {"C0AF", r + r, 2},            // overlong '/': C0 can never start a sequence
        {"E08080", r + r + r, 3},      // overlong three-byte form
        {"EDA080", r + r + r, 3},      // encoded surrogate U+D800
        {"F4908080", r + r + r + r, 4},  // above U+10FFFF
        {"E282", r, 1},                // truncated € (E2 82 AC)
        {"E28241", r + "A", 1},        // truncated, then ASCII
        {"F09F94", r, 1},              // truncated emoji
        {"80", r, 1},                  // lone continuation
        {"FF41", r + "A", 1},
    };
    for (const auto& c : cases) {
        CAPTURE(c.hex);
        const auto t = decode_utf8(hex(c.hex));
        CHECK(t.utf8 == c.expected);
        CHECK(t.replaced == c.replaced);
        CHECK(names(t.anomalies) == "sms.utf8_invalid");
    }
}

TEST_CASE("decode_text dispatch and encoding names") {
    CHECK(decode_text(Encoding::gsm7, hex("48692021")).utf8 == "Hi !");
    CHECK(decode_text(Encoding::ucs2, hex("00480069")).utf8 == "Hi");
    CHECK(decode_text(Encoding::latin1, hex("E9")).utf8 == "é");
    CHECK(decode_text(Encoding::ascii, hex("41")).utf8 == "A");
    CHECK(decode_text(Encoding::utf8, hex("C3A9")).utf8 == "é");
    CHECK(decode_text(Encoding::binary, hex("4142")).utf8.empty());
    CHECK(decode_text(Encoding::unknown, hex("4142")).utf8.empty());
    CHECK(encoding_name(Encoding::gsm7) == "gsm7");
    CHECK(encoding_name(Encoding::ascii) == "ascii");
    CHECK(encoding_name(Encoding::latin1) == "latin1");
    CHECK(encoding_name(Encoding::ucs2) == "ucs2");
    CHECK(encoding_name(Encoding::utf8) == "utf8");
    CHECK(encoding_name(Encoding::binary) == "binary");
    CHECK(encoding_name(Encoding::unknown) == "unknown");
    CHECK(to_hex(hex("00AB7Fff")) == "00ab7fff");
    CHECK(to_hex({}).empty());
}

TEST_CASE("every anomaly has an 'sms.<enumerator>' name and a description") {
    CHECK(describe(SmsAnomaly::ucs2_odd_length).name == "sms.ucs2_odd_length");
    CHECK(describe(SmsAnomaly::gsm7_high_bit).name == "sms.gsm7_high_bit");
    CHECK(describe(SmsAnomaly::rp_truncated).name == "sms.rp_truncated");
    CHECK(describe(SmsAnomaly::rp_unsupported_type).name == "sms.rp_unsupported_type");
    CHECK(describe(SmsAnomaly::udh_bad_concat).name == "sms.udh_bad_concat");
    CHECK(describe(SmsAnomaly::tpdu_bad_address).name == "sms.tpdu_bad_address");
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < static_cast<std::size_t>(SmsAnomaly::count_); ++i) {
        const auto info = describe(static_cast<SmsAnomaly>(i));
        CAPTURE(i);
        CHECK(info.name.starts_with("sms."));
        CHECK(info.name != "sms.unknown");
        CHECK_FALSE(info.description.empty());
        for (auto seen : names) CHECK(seen != info.name);
        names.push_back(info.name);
    }
    CHECK(describe(SmsAnomaly::count_).name == "sms.unknown");
}

TEST_CASE("every single byte and byte pair decodes to valid UTF-8 in every decoder") {
    std::vector<std::uint8_t> pair(2);
    for (unsigned a = 0; a < 256; ++a) {
        for (unsigned b = 0; b < 256; b += 5) {
            pair[0] = static_cast<std::uint8_t>(a);
            pair[1] = static_cast<std::uint8_t>(b);
            for (auto enc : {Encoding::gsm7, Encoding::ascii, Encoding::latin1, Encoding::ucs2, Encoding::utf8}) {
                const auto t = decode_text(enc, pair);
                if (!valid_utf8(t.utf8)) FAIL("invalid UTF-8 from " << encoding_name(enc) << " " << a << "," << b);
            }
            const auto p = decode_gsm7_packed(pair, 2, a % 7);
            if (!valid_utf8(p.utf8)) FAIL("invalid UTF-8 from packed " << a << "," << b);
        }
    }
}
