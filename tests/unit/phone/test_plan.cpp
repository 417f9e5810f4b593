#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "phone_test_support.h"

using namespace scamgate::phone;
using phone_test::kSource;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string error_of(const std::string& yaml) {
    try {
        parse_plan(yaml, "inline.yaml");
    } catch (const PlanError& e) {
        return e.what();
    }
    return "no error";
}

const char* const kHeader = "country: XX\ncountry_code: \"99\"\ntrunk_prefix: \"0\"\nnational_lengths: [8]\n";

}  // namespace

TEST_CASE("bad plans are refused with file:line and the exact message") {
    const std::string dir = kSource + "/tests/configs/bad-plans/";
    std::istringstream expected(read_file(dir + "expected-errors.txt"));
    std::string row;
    int cases = 0;
    while (std::getline(expected, row)) {
        const auto tab = row.find('\t');
        const std::string file = row.substr(0, tab);
        INFO("plan " << file);
        std::string got;
        try {
            load_plan(dir + file);
        } catch (const PlanError& e) {
            got = e.what();
        }
        CHECK(got == dir + row.substr(tab + 1));
        ++cases;
    }
    CHECK(cases == 13);
}

TEST_CASE("a missing plan file names the path") {
    CHECK(error_of("") != "no error");
    try {
        load_plan("/nonexistent/plan.yaml");
        FAIL("no error");
    } catch (const PlanError& e) {
        CHECK(std::string(e.what()) == "/nonexistent/plan.yaml: cannot open the numbering plan; check the path");
    }
}

TEST_CASE("every error says what to do after a semicolon") {
    for (const char* body : {"ranges: 5\n", "ranges: [{prefix: \"5\"}]\n", "ranges: [7]\n",
                             "ranges: [{prefix: \"5\", type: mobile, lengths: 9}]\n",
                             "ranges: [{prefix: \"5\", type: mobile, area: [a]}]\n",
                             "ranges: [{prefix: \"5\", type: invalid}]\n", "ranges: [{prefix: \"5\", type: foreign}]\n",
                             "ranges: []\nshort_codes: [{prefix: \"9\", type: short_code}]\n",
                             "ranges: []\ninternational_prefixes: \"00\"\n", "ranges: []\ntrunk_prefix: \"x\"\n"}) {
        const std::string message = error_of(std::string(kHeader) + body);
        INFO(body << " -> " << message);
        CHECK(message.starts_with("inline.yaml:"));
        CHECK(message.find("; ") != std::string::npos);
    }
}

TEST_CASE("a minimal plan of another country works the same way") {
    const NumberingPlan plan = parse_plan(
        "country: GB\ncountry_code: \"44\"\ntrunk_prefix: \"0\"\ninternational_prefixes: [\"00\"]\n"
        "national_lengths: [10]\nranges:\n  - {prefix: \"7\", type: mobile}\n  - {prefix: \"20\", type: fixed, "
        "area: London}\n  - {prefix: \"56\", type: voip}\nshort_codes:\n  - {number: \"999\", type: emergency}\n"
        "  - {number: \"112\", type: emergency}\n",
        "gb.yaml");
    CHECK(plan.country() == "GB");
    CHECK(classify(plan, "07700900123").type == NumberType::mobile);
    CHECK(classify(plan, "+447700900123").e164 == "+447700900123");
    CHECK(classify(plan, "02079460123").area == "London");
    CHECK(classify(plan, "05612345678").type == NumberType::voip);
    CHECK(classify(plan, "999").type == NumberType::emergency);
    CHECK(classify(plan, "+84961234567").type == NumberType::foreign);
}

TEST_CASE("a plan without trunk or international prefixes") {
    const NumberingPlan plan =
        parse_plan("country: XX\ncountry_code: \"999\"\nnational_lengths: [7]\nranges: [{prefix: \"5\", type: fixed}]\n",
                   "xx.yaml");
    CHECK(plan.trunk_prefix().empty());
    CHECK(classify(plan, "5123456").type == NumberType::fixed);
    CHECK(classify(plan, "5123456").e164 == "+9995123456");
    CHECK(classify(plan, "005123456").type == NumberType::invalid);
}

TEST_CASE("vn.yaml: header and lookups") {
    const NumberingPlan& plan = phone_test::vn();
    CHECK(plan.country() == "VN");
    CHECK(plan.country_code() == "84");
    CHECK(plan.trunk_prefix() == "0");
    REQUIRE(plan.find_range("961234567") != nullptr);
    CHECK(plan.find_range("961234567")->prefix == "96");
    CHECK(plan.find_range("951234567") == nullptr);
    CHECK(plan.valid_range("96123456") == nullptr);
    CHECK(plan.find_short_code("113") != nullptr);
    CHECK(plan.find_short_code("1130") == nullptr);
}
