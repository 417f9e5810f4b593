#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "detect/detector.h"
#include "detect/text_model.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::detect;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

const text::PublicSuffixList& psl() {
    static const auto list = text::PublicSuffixList::load();
    return list;
}

ModelHeader small_header() {
    ModelHeader h;
    h.name = "unit";
    h.version = "1.0";
    h.languages = {"vi", "en"};
    h.features.hash_bits = 10;
    h.training_sha256 = std::string(64, 'a');
    h.training_rows = 2;
    h.trainer = "unit test";
    h.bias = -1.5F;
    return h;
}

// Weights that make every feature of `scam` count +w and nothing else.
std::vector<float> weights_for(const std::string& text, float w, const ModelFeatureSettings& settings) {
    std::vector<float> weights(std::size_t{1} << settings.hash_bits, 0.0F);
    const auto f = sms_text_features(text, psl());
    for_each_model_feature(settings, model_input(f), [&](std::uint32_t i) { weights[i] = w; });
    return weights;
}

std::string model_bytes() {
    const auto h = small_header();
    return serialize_model(h, weights_for("khoa tai khoan", 2.0F, h.features));
}

std::string error_of(const std::string& bytes) {
    try {
        TextModel::parse(bytes, "m.model");
    } catch (const ModelError& e) {
        return e.what();
    }
    return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("text model: a serialised model parses back with its header and scores by its weights") {
    const auto model = TextModel::parse(model_bytes(), "m.model");
    CHECK(model.header().name == "unit");
    CHECK(model.header().version == "1.0");
    CHECK(model.header().languages == std::vector<std::string>{"vi", "en"});
    CHECK(model.header().features.char_min == 3);
    CHECK(model.header().features.char_max == 5);
    CHECK(model.header().features.hash_bits == 10);
    CHECK(model.header().bias == doctest::Approx(-1.5));
    CHECK(model.header().weights_sha256.size() == 64);

    // Text whose every feature has weight 2: decision = bias + n * 2 / sqrt(n), as documented.
    const auto f = sms_text_features("khoa tai khoan", psl());
    const auto n = for_each_model_feature(model.header().features, model_input(f), [](std::uint32_t) {});
    REQUIRE(n > 10);
    CHECK(model.decision(model_input(f)) == doctest::Approx(-1.5 + 2.0 * static_cast<double>(n) / std::sqrt(double(n))));
    CHECK(model.probability(model_input(f)) > 0.99);
    // Empty text: only the padding n-grams of "  "; an unrelated text scores near the bias.
    const auto other = sms_text_features("hello", psl());
    CHECK(model.probability(model_input(other)) < model.probability(model_input(f)));
}

TEST_CASE("text model: features are deterministic, bounded by hash_bits, and digits generalise") {
    ModelFeatureSettings s;
    s.hash_bits = 12;
    auto collect = [&](const std::string& text) {
        std::vector<std::uint32_t> out;
        const auto f = sms_text_features(text, psl());
        for_each_model_feature(s, model_input(f), [&](std::uint32_t i) { out.push_back(i); });
        return out;
    };
    const auto a = collect("Chuyen 500k vao STK 0123456789 tai http://vcb-xacthuc.top/login");
    CHECK(a == collect("Chuyen 500k vao STK 0123456789 tai http://vcb-xacthuc.top/login"));
    for (auto i : a) CHECK(i < (1U << 12));
    // Other digits, same shape: the same features.
    CHECK(collect("goi 0912345678 ngay") == collect("goi 0987654321 ngay"));
    CHECK(collect("goi 0912345678 ngay") != collect("goi ngay"));
}

TEST_CASE("text model: markers for URLs, amounts, phone and account numbers are features of their own") {
    ModelFeatureSettings with;
    ModelFeatureSettings without;
    without.markers = false;
    auto count = [&](const ModelFeatureSettings& s, const std::string& text) {
        const auto f = sms_text_features(text, psl());
        return for_each_model_feature(s, model_input(f), [](std::uint32_t) {});
    };
    // One URL gives url, tld= and host_depth markers (3); an amount one; a phone number one.
    CHECK(count(with, "vao http://a.b.example.top/x") - count(without, "vao http://a.b.example.top/x") == 3);
    CHECK(count(with, "nhan 500k ngay") - count(without, "nhan 500k ngay") == 1);
    CHECK(count(with, "nhan 500 000 dong") - count(without, "nhan 500 000 dong") == 1);
    CHECK(count(with, "goi 0912345678") - count(without, "goi 0912345678") == 1);
    CHECK(count(with, "stk 0071001234567 vcb") - count(without, "stk 0071001234567 vcb") >= 1);
    CHECK(count(with, "hen gap lai") == count(without, "hen gap lai"));
}

TEST_CASE("text model: bad files are refused with the file name and the reason") {
    const auto good = model_bytes();
    CHECK(error_of(good).empty());
    CHECK(error_of("").find("m.model: not a scamgate model file") == 0);
    CHECK(error_of("hello\n\n").find("not a scamgate model file") != std::string::npos);
    CHECK(error_of(replace(good, "scamgate-model 1", "scamgate-model 2")).find("model format version 2 is not supported") !=
          std::string::npos);
    CHECK(error_of(replace(good, "scamgate-model 1", "scamgate-model x")).find("bad format version") != std::string::npos);
    // Truncated anywhere: in the weights, or before the header ends.
    CHECK(error_of(good.substr(0, good.size() - 1)).find("truncated") != std::string::npos);
    CHECK(error_of(good.substr(0, 60)).find("truncated or malformed header") != std::string::npos);
    CHECK(error_of(good + "x").find("trailing data") != std::string::npos);
    // A flipped weight byte: the checksum catches it.
    auto corrupted = good;
    corrupted[corrupted.size() - 7] = static_cast<char>(corrupted[corrupted.size() - 7] ^ 0x40);
    CHECK(error_of(corrupted).find("weights do not match weights_sha256") != std::string::npos);
    // Header fields.
    CHECK(error_of(replace(good, "name: unit\n", "")).find("header has no 'name'") != std::string::npos);
    CHECK(error_of(replace(good, "hash_bits: 10", "hash_bits: 30")).find("hash_bits") != std::string::npos);
    CHECK(error_of(replace(good, "char_ngrams: 3-5", "char_ngrams: 5-3")).find("char_ngrams") != std::string::npos);
    CHECK(error_of(replace(good, "bias: -1.5", "bias: nan")).find("bias") != std::string::npos);
    CHECK(error_of(replace(good, "markers: true", "markers: yes")).find("markers") != std::string::npos);
    CHECK(error_of(replace(good, "version: 1.0\n", "version: 1.0\nversion: 2\n")).find("given twice") != std::string::npos);
}

TEST_CASE("text model: load names a missing file") {
    try {
        TextModel::load("/nonexistent/m.model");
        FAIL("loaded a missing file");
    } catch (const ModelError& e) {
        CHECK(std::string(e.what()).find("/nonexistent/m.model: cannot open") == 0);
    }
}

TEST_CASE("detector: a loaded model gives SMS verdicts a model score, a bad model fails the load") {
    test_support::TempFile file("model");
    {
        std::ofstream out(file.path(), std::ios::binary);
        out << model_bytes();
    }
    DetectorConfig c;
    c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
    c.numbering_plan = kSource + "/config/numbering/vn.yaml";
    c.models = {file.path()};
    const auto d = Detector::load(c);
    REQUIRE(d.models().size() == 1);
    auto scratch = d.make_scratch();
    record::Contact sms;
    sms.kind = record::ContactKind::sms;
    sms.sms.emplace();
    sms.sms->text = "khoa tai khoan";
    const auto v = d.assess(sms, scratch);
    REQUIRE(v.model);
    CHECK(v.model->name == "unit");
    CHECK(v.model->probability > 0.99);
    CHECK(v.model->score == model_band_score(default_model_bands(), v.model->probability));
    CHECK(v.score == score_of(v));

    record::Contact call;
    call.kind = record::ContactKind::call;
    call.call.emplace();
    CHECK_FALSE(d.assess(call, scratch).model);

    {
        std::ofstream out(file.path(), std::ios::binary | std::ios::trunc);
        out << model_bytes().substr(0, 200);
    }
    try {
        Detector::load(c);
        FAIL("loaded a truncated model");
    } catch (const DetectError& e) {
        CHECK(std::string(e.what()).find(file.path()) != std::string::npos);
        CHECK(std::string(e.what()).find("detection.model") != std::string::npos);
    }
}

TEST_CASE("model bands: the first band reached gives the score") {
    const std::vector<ModelBand> bands = {{0.9, 40}, {0.6, 25}, {0.3, 10}};
    CHECK(model_band_score(bands, 0.95) == 40);
    CHECK(model_band_score(bands, 0.9) == 40);
    CHECK(model_band_score(bands, 0.7) == 25);
    CHECK(model_band_score(bands, 0.3) == 10);
    CHECK(model_band_score(bands, 0.29) == 0);
    CHECK(model_band_score({}, 0.99) == 0);
}

TEST_CASE("sha256_hex: the FIPS 180-2 test vectors") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
