#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/score_model.h"
#include "detect/text_model.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::detect;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

const std::vector<std::string> kChecks = {"url.brand_lookalike", "sms.brand_unregistered"};
const std::vector<std::string> kLists = {"brands", "block_domains"};
KnownSignals known() { return KnownSignals{kChecks, kLists}; }

std::string yaml(const std::string& weights, const std::string& extra = "") {
    return "format: scamgate-score 1\n"
           "name: unit-score\n"
           "version: '1'\n"
           "model: {name: sms-text, weights_sha256: abc}\n"
           "intercept: -2.0\n" +
           extra + "weights:\n" + weights;
}

// The error text a parse fails with, or "" when it loads.
std::string parse_error(const std::string& text) {
    try {
        ScoreModel::parse(text, "unit.yaml", known());
    } catch (const ScoreModelError& e) {
        return e.what();
    }
    return "";
}

record::Verdict verdict_with(double probability) {
    record::Verdict v;
    v.model = record::ModelScore{"sms-text", "1", probability, 0};
    return v;
}

}  // namespace

TEST_CASE("score model: the probability is the logistic of the intercept plus each present signal's weight") {
    const auto m = ScoreModel::parse(yaml("  model_logit: 1.5\n  signatures: 2.0\n  'category:lottery': 1.0\n"
                                          "  'category:notice.otp': -1.0\n  'check:url.brand_lookalike': 0.5\n"
                                          "  'list:brands': -3.0\n"),
                                     "unit.yaml", known());
    CHECK(m.header().name == "unit-score");
    CHECK(m.header().model_name == "sms-text");
    CHECK(m.signals().size() == 6);

    auto v = verdict_with(0.8);
    v.hits.push_back({1, "a", "lottery", "text", "folded", "", 30});
    v.hits.push_back({2, "b", "lottery", "text", "folded", "", 50});
    v.checks.push_back({"url.brand_lookalike", "host", 50});
    const auto b = m.explain(v);
    const double logit = -2.0 + 1.5 * std::log(0.8 / 0.2) + 2.0 * 0.8 + 1.0 + 0.5;
    CHECK(b.probability == doctest::Approx(1.0 / (1.0 + std::exp(-logit))));
    CHECK(calibrated_score(b) == static_cast<int>(std::lround(100.0 / (1.0 + std::exp(-logit)))));
    // Only present signals contribute; the hits' scores are summed once for `signatures`.
    REQUIRE(b.contributions.size() == 4);
    CHECK(b.contributions[0].signal == "model_logit");
    CHECK(b.contributions[1].signal == "signatures");
    CHECK(b.contributions[1].value == doctest::Approx(0.8));
    CHECK(b.contributions[2].signal == "category:lottery");
    CHECK(b.contributions[3].signal == "check:url.brand_lookalike");

    // A legitimate signal pulls the score down.
    auto brand = verdict_with(0.8);
    brand.lists.push_back("brands");
    CHECK(m.explain(brand).probability < m.explain(verdict_with(0.8)).probability);
}

TEST_CASE("score model: the model's probability is clamped and the hits' sum capped") {
    const auto m = ScoreModel::parse(yaml("  model_logit: 1.0\n  signatures: 1.0\n"), "unit.yaml", known());
    const auto certain = m.explain(verdict_with(1.0));
    CHECK(certain.contributions[0].value == doctest::Approx(std::log(0.9999 / 0.0001)));
    auto many = verdict_with(0.5);
    for (std::uint32_t i = 0; i < 5; ++i) many.hits.push_back({i, "x", "job", "text", "folded", "", 60});
    const auto capped = m.explain(many);
    REQUIRE(capped.contributions.size() == 1);  // model_logit is 0 at p = 0.5 and contributes nothing
    CHECK(capped.contributions[0].signal == "signatures");
    CHECK(capped.contributions[0].value == doctest::Approx(1.0));
}

TEST_CASE("score model: priors are marked as such") {
    const auto m = ScoreModel::parse(yaml("  model_logit: 1.0\n", "") + "priors:\n  'check:sms.brand_unregistered': 2.5\n",
                                     "unit.yaml", known());
    REQUIRE(m.signals().size() == 2);
    CHECK(m.signals()[0].fitted);
    CHECK_FALSE(m.signals()[1].fitted);
    CHECK(signal_label(m.signals()[1]) == "check:sms.brand_unregistered");
}

TEST_CASE("score model: bad files fail with FILE:LINE and what is wrong") {
    CHECK(parse_error(yaml("  model_logit: 1.0\n")).empty());
    CHECK(parse_error(yaml("  model_logit: 1.0\n  'sender:x': 1.0\n")).find("unit.yaml:8: unknown signal 'sender:x'") == 0);
    CHECK(parse_error(yaml("  'check:no.such': 1.0\n")).find("unit.yaml:7: unknown check 'no.such'") == 0);
    CHECK(parse_error(yaml("  'list:nope': 1.0\n")).find("unknown list 'nope'") != std::string::npos);
    CHECK(parse_error(yaml("  'category:': 1.0\n")).find("names nothing after ':'") != std::string::npos);
    CHECK(parse_error(yaml("  model_logit:x: 1.0\n")).find("unknown signal") != std::string::npos);
    CHECK(parse_error(yaml("  model_logit: 80\n")).find("beyond +-50 log-odds") != std::string::npos);
    CHECK(parse_error(yaml("  model_logit: lots\n")).find("must be a number") != std::string::npos);
    CHECK(parse_error(yaml("  model_logit: 1\n", "") + "priors:\n  model_logit: 2\n").find("weighted twice") !=
          std::string::npos);
    CHECK(parse_error(yaml("")).find("'weights' must be a mapping of signal: weight") != std::string::npos);
    CHECK(parse_error(yaml(" {}\n")).find("no 'weights'") != std::string::npos);
    CHECK(parse_error("format: scamgate-score 2\n").find("unit.yaml:1: format 'scamgate-score 2'") == 0);
    CHECK(parse_error("format: scamgate-score 1\nname: x\nversion: 1\nintercept: 0\nweights: {model_logit: 1}\n")
              .find("'model' must be") != std::string::npos);
    CHECK(parse_error(yaml("  model_logit: 1\n", "colour: blue\n")).find("unknown key 'colour'") != std::string::npos);
    CHECK(parse_error("[1, 2").find("unit.yaml:1: YAML syntax error") == 0);
    try {
        ScoreModel::load("/nonexistent/score.yaml", known());
        FAIL("loaded a missing file");
    } catch (const ScoreModelError& e) {
        CHECK(std::string(e.what()) == "/nonexistent/score.yaml: cannot open the score model");
    }
}

TEST_CASE("detector: the shipped score model loads beside the shipped text model and scores SMS, not calls") {
    DetectorConfig c;
    c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
    c.numbering_plan = kSource + "/config/numbering/vn.yaml";
    c.models = {kSource + "/signatures/models/sms-text.model"};
    c.score_model = kSource + "/signatures/models/sms-score.yaml";
    const auto d = Detector::load(c);
    REQUIRE(d.score_model() != nullptr);
    auto scratch = d.make_scratch();
    record::Contact sms;
    sms.kind = record::ContactKind::sms;
    sms.sms.emplace();
    sms.sms->text = "Tai khoan cua ban bi khoa, xac thuc ngay tai http://vcb-xacthuc.top";
    const auto v = d.assess(sms, scratch);
    REQUIRE(v.calibration);
    CHECK(v.score == calibrated_score(*v.calibration));
    CHECK(v.score >= 90);
    CHECK(v.calibration->name == "sms-score");

    record::Contact call;
    call.kind = record::ContactKind::call;
    call.call.emplace();
    CHECK_FALSE(d.assess(call, scratch).calibration);
}

TEST_CASE("detector: a score model fitted against other weights, or a model not loaded, fails the load by name") {
    test_support::TempFile file("score", ".yaml");
    DetectorConfig c;
    c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
    c.numbering_plan = kSource + "/config/numbering/vn.yaml";
    c.models = {kSource + "/signatures/models/sms-text.model"};
    c.score_model = file.path();
    std::ofstream(file.path()) << yaml("  model_logit: 1.0\n");
    try {
        Detector::load(c);
        FAIL("loaded a score model fitted against other weights");
    } catch (const DetectError& e) {
        const std::string what = e.what();
        CHECK(what.find(file.path() + ": fitted against text model 'sms-text' with weights sha256 abc") == 0);
        CHECK(what.find("refit the score model") != std::string::npos);
        CHECK(what.find("(detection.score_model)") != std::string::npos);
    }
    c.models.clear();
    try {
        Detector::load(c);
        FAIL("loaded a score model without its text model");
    } catch (const DetectError& e) {
        CHECK(std::string(e.what()).find("which detection.model does not load") != std::string::npos);
    }
}
