#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "lists/brand_registry.h"
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

TEST_CASE("registered names, case-insensitive, accounts exact") {
    const auto r = BrandRegistry::from({"VCB  esme-vcb,esme-bulk2", "Vietcombank esme-vcb  # long name", "MB Bank esme-mb"});
    CHECK(r.size() == 3);
    CHECK(r.is_registered("VCB"));
    CHECK(r.is_registered("vcb"));
    CHECK(r.is_registered("VIETCOMBANK"));
    CHECK(r.is_registered("MB Bank"));
    CHECK(r.is_registered("mb bank"));
    CHECK_FALSE(r.is_registered("MB  Bank"));
    CHECK_FALSE(r.is_registered("VCB "));
    CHECK_FALSE(r.is_registered("VCB1"));
    CHECK_FALSE(r.is_registered(""));
    CHECK(r.is_allowed("vcb", "esme-bulk2"));
    CHECK(r.is_allowed("VCB", "esme-vcb"));
    CHECK_FALSE(r.is_allowed("VCB", "ESME-VCB"));
    CHECK_FALSE(r.is_allowed("VCB", "esme-mb"));
    CHECK_FALSE(r.is_allowed("Unknown", "esme-vcb"));
    CHECK(r.is_allowed("mb bank", "esme-mb"));
}

TEST_CASE("bad brand lines name file:line") {
    CHECK(error_of([] { BrandRegistry::from({"VCB esme-vcb", "BIDV"}); }) ==
          "(brands):2: 'BIDV' has no accounts; write NAME ACCOUNT[,ACCOUNT...], e.g. VCB esme-vcb");
    CHECK(error_of([] { BrandRegistry::from({"VCB esme-vcb", "# x", "vcb esme-other"}); }) ==
          "(brands):3: sender name 'vcb' is already registered at line 1; put all its accounts on one line");
    CHECK(error_of([] { BrandRegistry::from({"VCB esme-a,,esme-b"}); }) ==
          "(brands):1: an empty account name (two commas in a row?); remove it");
    CHECK(error_of([] { BrandRegistry::from({"VCB a-very-long-system-id"}); }).find("longer than an SMPP system_id") !=
          std::string::npos);
    CHECK(error_of([] { BrandRegistry::from({"A Name Much Too Long For SMS esme"}); }).find("longer than 20") !=
          std::string::npos);
    const TempFile file("brands", ".txt");
    const std::string& path = file.write("# brands\nVCB esme-vcb\n\nBIDV\n");
    CHECK(error_of([&] { BrandRegistry::load(path); }).starts_with(path + ":4: 'BIDV' has no accounts"));
}

TEST_CASE("the example brand registry loads") {
    const auto r = BrandRegistry::load(kSource + "/config/lists/brands.txt");
    CHECK(r.size() >= 8);
    CHECK(r.is_registered("vietcombank"));
    CHECK(r.is_allowed("VCB", "esme-vcb"));
    CHECK(r.is_registered("Shopee"));
}
