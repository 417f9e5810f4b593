#include <doctest/doctest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "text/extract.h"
#include "text/normalize.h"

using namespace scamgate::text;

namespace {

// The Debian PSL (package publicsuffix, listed in scripts/deps).
const PublicSuffixList& psl() {
    static const PublicSuffixList list = PublicSuffixList::load();
    return list;
}

std::vector<std::string> urls(std::string_view text) {
    std::vector<std::string> out;
    for (const UrlMention& u : extract_urls(text, psl())) out.push_back(u.url);
    return out;
}

std::vector<std::string> phones(std::string_view text) {
    std::vector<std::string> out;
    for (const NumberMention& n : extract_phone_numbers(text)) out.push_back(n.digits);
    return out;
}

std::vector<std::string> accounts(std::string_view text) {
    std::vector<std::string> out;
    for (const NumberMention& n : extract_account_numbers(text)) out.push_back(n.digits);
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("PublicSuffixList: registrable domains with the Debian list") {
    CHECK(psl().registrable_domain("secure.vcb-online.com.vn") == "vcb-online.com.vn");
    CHECK(psl().registrable_domain("vcb-secure.top") == "vcb-secure.top");
    CHECK(psl().registrable_domain("a.b.example.co.uk") == "example.co.uk");
    CHECK(psl().registrable_domain("bit.ly") == "bit.ly");
    CHECK(psl().registrable_domain("foo.blogspot.com") == "foo.blogspot.com");  // private section
    CHECK(psl().registrable_domain("com.vn") == "com.vn");                      // a suffix itself
    CHECK(psl().registrable_domain("a.b.toi") == "a.b.toi");                    // unknown TLD
    CHECK(psl().registrable_domain("192.168.1.10") == "192.168.1.10");
    CHECK(psl().registrable_domain("[2001:db8::1]") == "[2001:db8::1]");
    CHECK(psl().is_public_suffix("top"));
    CHECK(psl().is_public_suffix("com.vn"));
    CHECK_FALSE(psl().is_public_suffix("toi"));
    CHECK_FALSE(psl().is_public_suffix("vcb.com"));
}

TEST_CASE("PublicSuffixList: load errors and the built-in list") {
    CHECK_THROWS_WITH_AS(PublicSuffixList::load("/nonexistent/psl.dat"),
                         "cannot read the public suffix list /nonexistent/psl.dat", std::runtime_error);
    const PublicSuffixList builtin = PublicSuffixList::load("");
    CHECK(builtin.registrable_domain("www.example.com") == "example.com");
    PublicSuffixList moved = PublicSuffixList::load();
    const PublicSuffixList other = std::move(moved);
    CHECK(other.registrable_domain("x.vcb.com.vn") == "vcb.com.vn");
}

TEST_CASE("extract_urls: every field") {
    const auto found = extract_urls("Truy cap https://Secure.VCB-Online.com.vn/Login?id=1. ngay", psl());
    REQUIRE(found.size() == 1);
    const UrlMention& u = found[0];
    CHECK(u.found == "https://Secure.VCB-Online.com.vn/Login?id=1");
    CHECK(u.url == "https://secure.vcb-online.com.vn/Login?id=1");
    CHECK(u.host == "secure.vcb-online.com.vn");
    CHECK(u.registrable_domain == "vcb-online.com.vn");
    CHECK(u.offset == 9);
    CHECK(u.had_scheme);
    CHECK_FALSE(u.obfuscated);
}

TEST_CASE("extract_urls: without a scheme") {
    CHECK(urls("vao vcb-secure.top/login de xac nhan") == V{"http://vcb-secure.top/login"});
    CHECK(urls("www.abc.com") == V{"http://www.abc.com"});
    CHECK(urls("Link: bit.ly/xyz.") == V{"http://bit.ly/xyz"});
    CHECK(urls("WWW.ABC.COM, ok") == V{"http://www.abc.com"});
    const auto found = extract_urls("xem vcb.com.vn", psl());
    REQUIRE(found.size() == 1);
    CHECK_FALSE(found[0].had_scheme);
    CHECK(found[0].registrable_domain == "vcb.com.vn");
    CHECK(found[0].offset == 4);
}

TEST_CASE("extract_urls: defanged and spaced dots") {
    auto found = extract_urls("vao hxxps://vcb[.]top/a ngay", psl());
    REQUIRE(found.size() == 1);
    CHECK(found[0].url == "https://vcb.top/a");
    CHECK(found[0].found == "hxxps://vcb[.]top/a");
    CHECK(found[0].obfuscated);
    CHECK(urls("vcb-secure . top") == V{"http://vcb-secure.top"});
    CHECK(urls("vcb-secure[.]top") == V{"http://vcb-secure.top"});
    CHECK(urls("vcb(dot)top vcb[DOT]top vcb{.}top vcb(.)top") ==
          V{"http://vcb.top", "http://vcb.top", "http://vcb.top", "http://vcb.top"});
    CHECK(urls("hXXp[:]//evil.top") == V{"http://evil.top"});
    CHECK(urls("vcb\u3002top") == V{"http://vcb.top"});
    found = extract_urls("vcb-secure . top", psl());
    REQUIRE(found.size() == 1);
    CHECK(found[0].obfuscated);
    CHECK(found[0].found == "vcb-secure . top");
    CHECK(urls("vcb.top.") == V{"http://vcb.top"});
    CHECK(extract_urls("vcb.top", psl())[0].obfuscated == false);
}

TEST_CASE("extract_urls: trailing punctuation and brackets") {
    CHECK(urls("(xem http://a.com/x)") == V{"http://a.com/x"});
    CHECK(urls("http://a.com/wiki/A_(b)") == V{"http://a.com/wiki/A_(b)"});
    CHECK(urls("\"http://a.com/x?y=1\",") == V{"http://a.com/x?y=1"});
    CHECK(urls("http://a.com/x!?") == V{"http://a.com/x"});
    CHECK(urls("vao a.com/dangnhap\u0111i") == V{"http://a.com/dangnhap"});  // non-ASCII ends a path
}

TEST_CASE("extract_urls: IP hosts, ports, userinfo, IDN") {
    CHECK(urls("http://103.21.5.9/vcb") == V{"http://103.21.5.9/vcb"});
    CHECK(urls("103.21.5.9:8080/x") == V{"http://103.21.5.9:8080/x"});
    CHECK(urls("ping 103.21.5.9 now") == V{});  // a bare IP needs a port or a path
    CHECK(urls("https://vcb.top:8443") == V{"https://vcb.top:8443"});
    CHECK(urls("vcb.top:99999") == V{"http://vcb.top"});
    CHECK(urls("http://[2001:DB8::1]:80/a") == V{"http://[2001:db8::1]:80/a"});
    const auto found = extract_urls("http://vietcombank.com.vn@evil.top/x", psl());
    REQUIRE(found.size() == 1);
    CHECK(found[0].host == "evil.top");
    CHECK(found[0].url == "http://evil.top/x");
    CHECK(urls("https://Vi\u1EC6T.vn/a") == V{"https://vi\u1EC7t.vn/a"});
    CHECK(urls("http://localhost/a") == V{"http://localhost/a"});
}

TEST_CASE("extract_urls: not URLs") {
    CHECK(urls("1.000.000d") == V{});
    CHECK(urls("so tien 1.000.000.000 dong") == V{});
    CHECK(urls("v.v") == V{});
    CHECK(urls("ban.toi") == V{});
    CHECK(urls("lien he a@b.com hoac user.name@gmail.com") == V{});
    CHECK(urls("da bi khoa.Cam on") == V{});    // a missing space after a full stop
    CHECK(urls("Xin chao. To la ban") == V{});  // ". " is a sentence end
    CHECK(urls("com.vn") == V{});               // only a suffix
    CHECK(urls("ver 1.2.3") == V{});
    CHECK(urls("") == V{});
}

TEST_CASE("extract_urls: several, and the limit") {
    CHECK(urls("a.com b.net c.org") == V{"http://a.com", "http://b.net", "http://c.org"});
    ExtractLimits limits;
    limits.max_urls = 2;
    CHECK(extract_urls("a.com b.net c.org", psl(), limits).size() == 2);
    // A sentence glued to the next by " . " keeps the real domain.
    CHECK(urls("vao vcb.com . toi") == V{"http://vcb.com"});
}

TEST_CASE("extract_urls: on folded text") {
    // Full-width and Cyrillic look-alikes are plain ASCII once folded.
    const std::string folded = fold("\uFF56\uFF43\uFF42-\u0455\u0435\u0441ure\uFF0Etop");
    CHECK(folded == "vcb-secure.top");
    CHECK(urls(folded) == V{"http://vcb-secure.top"});
}

TEST_CASE("extract_phone_numbers: formats") {
    CHECK(phones("goi 0987 654 321 ngay") == V{"0987654321"});
    CHECK(phones("+84 98 765 4321") == V{"84987654321"});
    CHECK(phones("0987.654.321") == V{"0987654321"});
    CHECK(phones("0987-654-321") == V{"0987654321"});
    CHECK(phones("(028) 3823 4567") == V{"02838234567"});
    CHECK(phones("+84 (0) 987 654 321") == V{"840987654321"});
    CHECK(phones("0084987654321") == V{"84987654321"});
    CHECK(phones("Hotline:19001234.") == V{"19001234"});
    CHECK(phones("\u8BF7\u62E8\u625313812345678\u8054\u7CFB") == V{"13812345678"});  // glued to Chinese
    const auto found = extract_phone_numbers("goi (028) 3823 4567 hoac +84 98 765 4321");
    REQUIRE(found.size() == 2);
    CHECK(found[0].found == "(028) 3823 4567");
    CHECK(found[0].offset == 4);
    CHECK_FALSE(found[0].international);
    CHECK(found[1].found == "+84 98 765 4321");
    CHECK(found[1].international);
    CHECK(found[1].offset == 25);
    CHECK(extract_phone_numbers("0084987654321")[0].international);
}

TEST_CASE("extract_phone_numbers: lists and non-numbers") {
    CHECK(phones("0987654321 0912345678") == V{"0987654321", "0912345678"});
    CHECK(phones("0987654321, 0912345678") == V{"0987654321", "0912345678"});
    CHECK(phones("1234567") == V{});                      // too short
    CHECK(phones("1234567890123456") == V{});             // too long
    CHECK(phones("10.000.000d") == V{});                  // amount
    CHECK(phones("10.000.000") == V{});                   // thousands grouping
    CHECK(phones("50000000\u20AB") == V{});               // ₫
    CHECK(phones("50000000 VND") == V{"50000000"});       // a separate word: can't tell
    CHECK(phones("ngay 12.05.2024") == V{});              // date
    CHECK(phones("2024-05-12") == V{});
    CHECK(phones("192.168.100.200") == V{});              // IPv4
    CHECK(phones("bit.ly/12345678") == V{});              // in a URL
    CHECK(phones("ma ABC12345678") == V{});               // in a word
    CHECK(phones("12345678,5") == V{});                   // decimal part
}

TEST_CASE("extract_account_numbers") {
    CHECK(accounts("stk: 0071001234567 vcb") == V{"0071001234567"});
    CHECK(accounts("so tai khoan 123456789") == V{"123456789"});
    CHECK(accounts("tk vcb 0987654321") == V{"0987654321"});  // a phone number used as account
    CHECK(accounts("account no. 1903 5555 1234") == V{"190355551234"});
    CHECK(accounts("chuyen vao 190355551234567 ngay") == V{"190355551234567"});  // standalone
    CHECK(accounts("goi 0987654321") == V{});                  // looks like a phone
    CHECK(accounts("stk 12345678") == V{});                    // 8 digits: too short
    CHECK(accounts("1234567890") == V{"1234567890"});
    CHECK(accounts("+84987654321123") == V{});
    CHECK(extract_account_numbers("stk 0071001234567")[0].international == false);
    CHECK(accounts("so tien 1.000.000.000") == V{});
    CHECK(accounts("stk la cua ban toi 123456789") == V{});    // too many words between
    const std::string_view kw[] = {"konto"};
    const auto found = extract_account_numbers("Konto: 123456789", kw);
    REQUIRE(found.size() == 1);
    CHECK(found[0].digits == "123456789");
    CHECK(found[0].offset == 7);
}

TEST_CASE("extract: limits on numbers") {
    ExtractLimits limits;
    limits.max_numbers = 1;
    CHECK(extract_phone_numbers("0987654321 hoac 0912345678", limits).size() == 1);
    CHECK(extract_account_numbers("1234567890123 1234567890124", limits).size() == 1);
    limits.max_numbers = 0;
    limits.max_urls = 0;
    CHECK(extract_phone_numbers("0987654321", limits).empty());
    CHECK(extract_account_numbers("1234567890123", limits).empty());
    CHECK(extract_urls("a.com", psl(), limits).empty());
}

TEST_CASE("extract_numbers: one scan gives what extract_phone_numbers and extract_account_numbers give") {
    auto digits_of = [](const std::vector<NumberMention>& mentions) {
        V out;
        for (const NumberMention& n : mentions) out.push_back(n.digits + "@" + std::to_string(n.offset) + (n.international ? "+" : ""));
        return out;
    };
    const std::vector<std::string> texts = {
        "stk 0071001234567 vcb, goi 0912 345 678 hoac +84 98-765-4321",
        "0987654321 0912345678 0909123456 1234567890123 00841234567890",  // a list split both ways
        "so tk: 19036512345678 so tien 10.000.000d ngay 12.05.2024 ip 192.168.1.1",
        "acc 123456789 account no. 9876543210 a/c 5556667778",
        "khong co so nao o day",
    };
    for (const std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{2}, ExtractLimits{}.max_numbers}) {
        const ExtractLimits limits{ExtractLimits{}.max_urls, limit};
        for (const auto& text : texts) {
            CAPTURE(text);
            CAPTURE(limit);
            const NumberMentions both = extract_numbers(text, limits);
            CHECK(digits_of(both.phones) == digits_of(extract_phone_numbers(text, limits)));
            CHECK(digits_of(both.accounts) == digits_of(extract_account_numbers(text, limits)));
        }
    }
    // The first text has both kinds: the check above compares something.
    const NumberMentions first = extract_numbers(texts[0]);
    CHECK(digits_of(first.phones) == V{"71001234567@4+", "0912345678@27", "84987654321@45+"});
    CHECK(digits_of(first.accounts) == V{"0071001234567@4"});
}
