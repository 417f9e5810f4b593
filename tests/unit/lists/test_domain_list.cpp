#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "lists/domain_list.h"
#include "temp_files.h"

using namespace scamgate::lists;
using scamgate::test_support::TempFile;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ListError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("label-suffix semantics") {
    const auto list = DomainList::from({"example.com", "vietcombank.com.vn", "gov.vn"});
    CHECK(list.match("example.com") == "example.com");
    CHECK(list.match("a.b.example.com") == "example.com");
    CHECK_FALSE(list.match("badexample.com").has_value());
    CHECK_FALSE(list.match("example.com.evil.io").has_value());
    CHECK_FALSE(list.match("com").has_value());
    CHECK(list.match("portal.mof.gov.vn") == "gov.vn");
    CHECK_FALSE(list.match("vietcombank-vn.com").has_value());
    CHECK_FALSE(list.match("xgov.vn").has_value());
    CHECK_FALSE(list.match("").has_value());
    CHECK_FALSE(list.match(".").has_value());
}

TEST_CASE("case and trailing dots are ignored, the most specific entry is returned") {
    const auto list = DomainList::from({"Example.COM.", "*.login.example.com", ".shop.example.com"});
    CHECK(list.size() == 3);
    CHECK(list.match("WWW.EXAMPLE.COM.") == "example.com");
    CHECK(list.match("a.login.example.com") == "login.example.com");
    CHECK(list.match("shop.example.com") == "shop.example.com");
    CHECK_FALSE(list.match(std::string(300, 'a') + ".example.com").has_value());
}

TEST_CASE("bad domain entries name file:line") {
    CHECK(error_of([] { DomainList::from({"ok.vn", "http://phish.example/login"}); }) ==
          "(domains):2: 'http://phish.example/login' is a URL; keep only the host name; fix or remove the line");
    CHECK(error_of([] { DomainList::from({"a..b"}); }) ==
          "(domains):1: 'a..b' has an empty label (two dots in a row); fix or remove the line");
    CHECK(error_of([] { DomainList::from({"ngân-hàng.vn"}); }).find("punycode") != std::string::npos);
    CHECK(error_of([] { DomainList::from({"bad!host.vn"}); }).find("'!'") != std::string::npos);
    CHECK(error_of([] { DomainList::from({std::string(64, 'a') + ".vn"}); }).find("longer than 63") != std::string::npos);
    const TempFile file("domains", ".txt");
    const std::string& path = file.write("# comment\nexample.com\n\nexa mple.com\n");  // "mple.com" is a trailing comment
    CHECK(DomainList::load(path).size() == 2);
    file.write("example.com\n*\n");
    CHECK(error_of([&] { DomainList::load(path); }) == path + ":2: '*' has the character '*', not allowed in a host name; fix or remove the line");
}

TEST_CASE("the example domain lists load") {
    const auto allow = DomainList::load(kSource + "/config/lists/domains-allow.txt");
    CHECK(allow.match("www.vietcombank.com.vn") == "vietcombank.com.vn");
    CHECK(allow.match("dichvucong.gov.vn") == "gov.vn");
    const auto block = DomainList::load(kSource + "/config/lists/domains-block.txt");
    CHECK(block.size() > 0);
    CHECK_FALSE(block.match("vietcombank.com.vn").has_value());
}

TEST_CASE("many domains") {
    std::vector<std::string> names;
    for (int i = 0; i < 200000; ++i) names.push_back("host" + std::to_string(i) + ".example" + std::to_string(i % 97) + ".vn");
    const auto list = DomainList::from(names);
    CHECK(list.size() == 200000);
    CHECK(list.match("x.host4242.example71.vn") == "host4242.example71.vn");
    CHECK_FALSE(list.match("host4242.example72.vn").has_value());
}
