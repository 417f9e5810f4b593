// Cross-check of config/numbering/vn.yaml against libphonenumber's carrier file for +84 (third-party
// corpus, not part of the project): every prefix it lists must be mobile here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "corpus.h"
#include "phone_test_support.h"

using namespace scamgate::phone;
using scamgate::test_support::corpus_lacks;
using scamgate::test_support::corpus_path;

namespace {

constexpr const char* kCarrierFile = "sms/vn_mobile_carrier_prefixes_libphonenumber_84.txt";

std::string letters_of(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

}  // namespace

// Skipped (reported as skipped) without the corpus file.
TEST_CASE("every libphonenumber +84 carrier prefix is mobile in vn.yaml" * doctest::skip(corpus_lacks(kCarrierFile))) {
    std::ifstream in(corpus_path(kCarrierFile));
    REQUIRE(in.good());
    std::vector<std::pair<std::string, std::string>> rows;  // prefix, carrier
    for (std::string row; std::getline(in, row);) {
        if (row.empty() || row.front() == '#') continue;
        const auto bar = row.find('|');
        REQUIRE(bar != std::string::npos);
        rows.emplace_back(row.substr(0, bar), row.substr(bar + 1));
        REQUIRE(rows.back().first.starts_with("84"));
    }
    // The carrier of a number is that of its longest listed prefix ("8430" inside "843").
    const auto carrier_of = [&](std::string_view digits) {
        std::pair<std::string, std::string> best;
        for (const auto& r : rows) {
            if (digits.starts_with(r.first) && r.first.size() > best.first.size()) best = r;
        }
        return best.second;
    };
    for (const auto& row : rows) {
        const std::string& prefix = row.first;  // not a structured binding: INFO captures it
        // Lowest and highest number of the block: "+843" covers +84 3000 00000 .. +84 3999 99999.
        for (char fill : {'0', '9'}) {
            const std::string number = "+" + prefix + std::string(11 - prefix.size(), fill);
            INFO(prefix << "|" << row.second << " -> " << number);
            const std::string carrier = carrier_of(std::string_view(number).substr(1));
            const NumberInfo n = classify(phone_test::vn(), number);
            CHECK(n.type == NumberType::mobile);
            const std::string ours = letters_of(n.operator_name);
            const std::string theirs = letters_of(carrier);
            // Reviewed: Itelecom is Indochina Telecom; libphonenumber names VinaPhone, its host network, for 087.
            const bool reviewed = ours == "itelecom" && (theirs == "indochinatelecom" || theirs == "vinaphone");
            if (ours != theirs && !reviewed) MESSAGE("operator differs for " << number << ": vn.yaml " << n.operator_name << ", libphonenumber " << carrier);
        }
    }
    CHECK(rows.size() >= 30);
}
