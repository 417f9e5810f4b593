#include <doctest/doctest.h>

#include <string>

#include "phone_test_support.h"

using namespace scamgate::phone;
using phone_test::vn;

namespace {

NumberType type_of(std::string_view presented, PresentedForm form = {}) { return classify(vn(), presented, form).type; }

}  // namespace

TEST_CASE("every presentation of one Viettel mobile number gives the same E.164") {
    for (const char* presented :
         {"+84961234567", "84961234567", "0961234567", "0084961234567", "tel:+84-96-123-4567", "tel:+84961234567;phone-context=x",
          "sip:+84961234567@ims.example;user=phone", "<sip:0961234567@gw.example>", "\"Nguyen Van A\" <sip:+84961234567@x>;tag=1",
          "sip:84961234567@10.0.0.1:5060", "sips:0961234567@gw", "+84 (96) 123.45.67", "961234567", "sip:%2B84961234567@gw",
          "sip:+84961234567;npdi;rn=+84900@gw;user=phone"}) {
        INFO(presented);
        const NumberInfo n = classify(vn(), presented);
        CHECK(n.presented == presented);
        CHECK(n.e164 == "+84961234567");
        CHECK(n.national == "961234567");
        CHECK(n.type == NumberType::mobile);
        CHECK(n.domestic);
        CHECK(n.operator_name == "Viettel");
    }
}

TEST_CASE("international_format: +, 00, a leading country code or TON 1, national otherwise") {
    CHECK(classify(vn(), "+84961234567").international_format);
    CHECK(classify(vn(), "0084961234567").international_format);
    CHECK(classify(vn(), "84961234567").international_format);
    CHECK(classify(vn(), "84961234567", {.ton = 1, .npi = 1}).international_format);
    CHECK_FALSE(classify(vn(), "0961234567").international_format);
    CHECK_FALSE(classify(vn(), "961234567").international_format);
}

TEST_CASE("mobile numbers per operator") {
    struct Case {
        const char* number;
        const char* op;
    };
    for (const Case c : {Case{"0861234567", "Viettel"}, Case{"0971234567", "Viettel"}, Case{"0321234567", "Viettel"},
                         Case{"0391234567", "Viettel"}, Case{"0881234567", "VinaPhone"}, Case{"0911234567", "VinaPhone"},
                         Case{"0941234567", "VinaPhone"}, Case{"0811234567", "VinaPhone"}, Case{"0851234567", "VinaPhone"},
                         Case{"0891234567", "MobiFone"}, Case{"0901234567", "MobiFone"}, Case{"0931234567", "MobiFone"},
                         Case{"0701234567", "MobiFone"}, Case{"0761234567", "MobiFone"}, Case{"0791234567", "MobiFone"},
                         Case{"0921234567", "Vietnamobile"}, Case{"0521234567", "Vietnamobile"},
                         Case{"0561234567", "Vietnamobile"}, Case{"0581234567", "Vietnamobile"},
                         Case{"0991234567", "Gmobile"}, Case{"0591234567", "Gmobile"}, Case{"0871234567", "Itelecom"},
                         Case{"0551234567", "Reddi"}}) {
        INFO(c.number);
        const NumberInfo n = classify(vn(), c.number);
        CHECK(n.type == NumberType::mobile);
        CHECK(n.operator_name == c.op);
    }
}

TEST_CASE("fixed lines per area: 10-digit NSN") {
    const NumberInfo hanoi = classify(vn(), "02439123456");
    CHECK(hanoi.type == NumberType::fixed);
    CHECK(hanoi.area == "Ha Noi");
    CHECK(hanoi.e164 == "+842439123456");
    CHECK(classify(vn(), "+842838123456").area == "Ho Chi Minh City");
    CHECK(classify(vn(), "02363123456").area == "Da Nang");
    CHECK(classify(vn(), "02253123456").area == "Hai Phong");
    CHECK(classify(vn(), "02923123456").area == "Can Tho");
    CHECK(classify(vn(), "02033123456").area == "Quang Ninh");
    CHECK(type_of("0243912345") == NumberType::invalid);    // one digit short
    CHECK(type_of("024391234567") == NumberType::invalid);  // one digit long
    CHECK(type_of("02173123456") == NumberType::invalid);   // 217: no such area code
}

TEST_CASE("exactly 63 area codes and no fixed range outside 2xx") {
    int areas = 0;
    for (const auto& r : vn().ranges()) {
        if (r.type != NumberType::fixed) continue;
        ++areas;
        CHECK(r.prefix.front() == '2');
        CHECK_FALSE(r.area.empty());
    }
    CHECK(areas == 63);
}

TEST_CASE("1800 service and 1900 premium, 8 or 10 digits, dialled as they are") {
    CHECK(type_of("18001199") == NumberType::service);
    CHECK(type_of("1800588822") == NumberType::service);
    CHECK(type_of("1900545413") == NumberType::premium);
    CHECK(type_of("19006060") == NumberType::premium);
    CHECK(type_of("+841900545413") == NumberType::premium);
    CHECK(type_of("190054541") == NumberType::invalid);  // 9 digits
    CHECK(type_of("1900") == NumberType::invalid);
    CHECK(classify(vn(), "1900545413").e164 == "+841900545413");
}

TEST_CASE("emergency numbers and short codes are dialled as they are") {
    for (const char* e : {"111", "112", "113", "114", "115", "tel:113", "sip:113@ims.example"}) {
        INFO(e);
        const NumberInfo n = classify(vn(), e);
        CHECK(n.type == NumberType::emergency);
        CHECK(n.domestic);
        CHECK(n.e164.empty());
    }
    CHECK(classify(vn(), "113").national == "113");
    CHECK(type_of("116") == NumberType::invalid);
    CHECK(type_of("0113") == NumberType::invalid);  // trunk prefix + 113 is not 113
    CHECK(type_of("+84113") == NumberType::invalid);
    CHECK(type_of("9029") == NumberType::short_code);
    CHECK(type_of("8755") == NumberType::short_code);
    CHECK(type_of("90291") == NumberType::short_code);
    CHECK(type_of("902912") == NumberType::invalid);
    CHECK(type_of("198") == NumberType::service);
}

TEST_CASE("wrong lengths and unallocated prefixes are invalid, the country stays known") {
    for (const char* bad : {"096123456", "09612345678", "0951234567", "0711234567", "0201234567", "0121234567",
                            "+8496123456", "+840961234567", "0", "00", "+", "+84"}) {
        INFO(bad);
        CHECK(type_of(bad) == NumberType::invalid);
    }
    const NumberInfo n = classify(vn(), "0951234567");
    CHECK(n.domestic);
    CHECK(n.e164 == "+84951234567");
    CHECK(n.operator_name.empty());
    // Without trunk prefix and not a valid NSN: the country cannot be told, nothing normalised.
    const NumberInfo bare = classify(vn(), "12345");
    CHECK(bare.e164.empty());
    CHECK_FALSE(bare.domestic);
}

TEST_CASE("a leading 84 without + is the country code only when the rest is a valid NSN") {
    const NumberInfo intl = classify(vn(), "sip:84912345678@gw");
    CHECK(intl.national == "912345678");
    CHECK(intl.international_format);
    // 849... as a national NSN does not exist, 84 + 9 digits does; 8-digit "84xxxxxx" is a short
    // SMS code? No: short codes are 4-5 digits, so this stays invalid.
    CHECK(type_of("84123456") == NumberType::invalid);
    // 0084 is always international.
    CHECK(classify(vn(), "0084951234567").international_format);
}

TEST_CASE("foreign numbers: country code not the plan's") {
    for (const char* f : {"+12025550123", "+442079460123", "001 202 555 0123", "tel:+33-1-23-45-67-89",
                          "sip:+8613812345678@carrier.example;user=phone"}) {
        INFO(f);
        const NumberInfo n = classify(vn(), f);
        CHECK(n.type == NumberType::foreign);
        CHECK_FALSE(n.domestic);
        CHECK(n.international_format);
        CHECK(n.e164.starts_with("+"));
        CHECK(n.national.empty());
    }
    CHECK(classify(vn(), "00442079460123").e164 == "+442079460123");
    CHECK(type_of("+1202") == NumberType::invalid);              // too short for any country
    CHECK(type_of("+1202555012345678") == NumberType::invalid);  // over 15 digits
    CHECK(type_of("+0123456789") == NumberType::invalid);        // no country code starts with 0
}

TEST_CASE("TON: international, national, alphanumeric") {
    const NumberInfo i = classify(vn(), "84961234567", {.ton = kTonInternational, .npi = 1});
    CHECK(i.e164 == "+84961234567");
    const NumberInfo i00 = classify(vn(), "0084961234567", {.ton = kTonInternational, .npi = 1});
    CHECK(i00.e164 == "+84961234567");
    const NumberInfo foreign = classify(vn(), "12025550123", {.ton = kTonInternational, .npi = 1});
    CHECK(foreign.type == NumberType::foreign);
    CHECK(classify(vn(), "961234567", {.ton = kTonNational, .npi = 1}).type == NumberType::mobile);
    CHECK(classify(vn(), "0961234567", {.ton = kTonNational, .npi = 1}).type == NumberType::mobile);
    const NumberInfo alpha = classify(vn(), "VCB", {.ton = kTonAlphanumeric, .npi = 0});
    CHECK(alpha.type == NumberType::invalid);
    CHECK(alpha.presented == "VCB");
    CHECK(alpha.e164.empty());
    CHECK(classify(vn(), "0961234567", {.ton = kTonAlphanumeric, .npi = 0}).type == NumberType::invalid);
}

TEST_CASE("no number: anonymous, unavailable, empty, words") {
    for (const char* none : {"anonymous", "sip:anonymous@anonymous.invalid", "\"Anonymous\" <sip:anonymous@localhost>",
                             "unavailable", "", "   ", "sip:gw.example.com", "Restricted", "*101#", "+84abc",
                             "tel:", "<>", "<sip:@host>"}) {
        INFO(none);
        const NumberInfo n = classify(vn(), none);
        CHECK(n.type == NumberType::invalid);
        CHECK(n.presented == none);
        CHECK(n.e164.empty());
        CHECK_FALSE(n.domestic);
    }
}

TEST_CASE("extract_number") {
    CHECK(extract_number("sip:+84912345678@host;user=phone") == "+84912345678");
    CHECK(extract_number("tel:+84-91-234-5678") == "+84912345678");
    CHECK(extract_number("<sip:0912345678@gw>") == "0912345678");
    CHECK(extract_number("\"A\" <sip:0912345678:secret@gw>;tag=9") == "0912345678");
    CHECK(extract_number("SIP:0912345678@GW") == "0912345678");
    CHECK(extract_number("sip:0912345678") == "0912345678");
    CHECK(extract_number("sip:gw.example.com") == "");
    CHECK(extract_number("anonymous") == "anonymous");
    CHECK(extract_number("  +84 (91) 234.56.78  ") == "+84912345678");
    CHECK(extract_number("sip:%2b84912345678@gw") == "+84912345678");
    CHECK(extract_number("sip:12%zz@gw") == "12%zz");
    CHECK(extract_number(std::string(10000, '9')).size() == kMaxPresented);
}

TEST_CASE("presented is bounded, long digit strings are invalid") {
    const std::string huge(100000, '1');
    const NumberInfo n = classify(vn(), huge);
    CHECK(n.presented.size() == kMaxPresented);
    CHECK(n.type == NumberType::invalid);
    CHECK(type_of("+" + std::string(16, '8')) == NumberType::invalid);
    const NumberInfo long_national = classify(vn(), "0" + std::string(18, '9'));
    CHECK(long_national.type == NumberType::invalid);
    CHECK(long_national.national.empty());
    CHECK(long_national.e164.empty());
}

TEST_CASE("type names") {
    CHECK(type_name(NumberType::mobile) == "mobile");
    CHECK(type_name(NumberType::short_code) == "short_code");
    CHECK(type_name(NumberType::foreign) == "foreign");
    CHECK(type_name(NumberType::invalid) == "invalid");
}
