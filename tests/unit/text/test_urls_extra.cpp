#include <doctest/doctest.h>

#include "text/extract.h"

using namespace scamgate::text;

TEST_CASE("a Vietnamese word after a spaced full stop does not continue the host") {
    const auto psl = PublicSuffixList::load();
    const auto urls = extract_urls("Xem tai mkara.com.vn . Cước 10k/ngay", psl);
    REQUIRE(urls.size() == 1);
    CHECK(urls[0].host == "mkara.com.vn");
    const auto spaced = extract_urls("vao vcb-secure . top de mo khoa", psl);
    REQUIRE(spaced.size() == 1);
    CHECK(spaced[0].host == "vcb-secure.top");
    CHECK(spaced[0].obfuscated);
}
